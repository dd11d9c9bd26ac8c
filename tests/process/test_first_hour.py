"""A frontend developer's first hour: what opening the mock in a browser, or mistyping a path,
shows (issue: first hour of a frontend developer and a CI pipeline)."""

from __future__ import annotations

import httpx

from tests.mockserver_process import RunningServer


def test_the_root_is_a_page_listing_every_api(server: RunningServer) -> None:
    response = httpx.get(server.url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    for text in ("<h2>Lago API <small>(lago)</small></h2>", "<h2>Sequence API <small>(sequence)</small></h2>",
                 "<code>/api/v1/activity_logs/{activity_id}</code>", "<td>findApiLog</td>",
                 '<a href="/api/v1/ui/">Swagger UI</a>', '<a href="/ui/">Swagger UI</a>',
                 '<a href="/__mock/health">', '<a href="/__mock/requests">'):
        assert text in page, text
    assert "<script" not in page and "<link" not in page  # works offline: no script, no external asset


def test_a_path_nothing_serves_names_the_closest_routes(server: RunningServer) -> None:
    response = httpx.get(server.url + "/api/v1/activity_log/abc")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["closest"][0] == "GET /api/v1/activity_logs/{activity_id}"
    assert "(every route: GET /)" in response.json()["detail"]


def test_the_banner_names_swagger_ui_the_page_and_the_control_api(server: RunningServer) -> None:
    assert f"  Swagger UI: {server.url}/api/v1/ui/" in server.banner
    assert f"  Swagger UI: {server.url}/ui/" in server.banner
    assert f"Every API on one page: {server.url}/" in server.banner
    assert f"Control API: {server.url}/__mock/health" in server.banner


def test_a_projects_own_folders_are_not_picked_up_by_surprise(tmp_path) -> None:
    """Run from a project that has `openapi/` and `fixtures/` of its own: the bundled contracts
    and records are served until the project names its folders."""
    from tests.mockserver_process import start_server

    (tmp_path / "openapi").mkdir()
    (tmp_path / "openapi" / "unrelated.yaml").write_text("not: an openapi document\n")
    (tmp_path / "fixtures" / "lago").mkdir(parents=True)
    running = start_server(cwd=tmp_path)
    try:
        assert "lago: " in running.banner and "sequence: " in running.banner and "unrelated" not in running.banner
        record = httpx.get(running.url + "/api/v1/activity_logs/7d4f2c1e-8b3a-4e6f-9a10-2b5c8d7e6f01",
                           headers={"Authorization": "Bearer k"})
        assert record.json()["activity_log"]["activity_source"] == "front"  # the bundled fixture
    finally:
        running.stop()
