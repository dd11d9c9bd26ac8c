"""Issue 24's flags on a real server: `--empty-collections` (an empty start, across workers),
`--keep-generated` (deprecated: its behaviour is the default; one warning line), and the two
together refused at start-up in one line."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.mockserver_process import REPO, run_cli, start_server

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t"}


def test_keep_generated_is_accepted_with_one_warning_and_changes_nothing() -> None:
    plain, kept = start_server("--spec", str(NOTES)), start_server("--spec", str(NOTES), "--keep-generated")
    try:
        warnings = [line for line in kept.log().splitlines() if "--keep-generated" in line]
        assert warnings == ["warning: --keep-generated is the default now and does nothing; "
                            "--empty-collections starts lists empty"]
        assert "--keep-generated" not in plain.log()
        for server in (plain, kept):  # both clocks at one instant: the notes' created_at compare
            frozen = httpx.put(server.url + "/__mock/clock", json={"freeze": True, "set": "2026-01-01T00:00:00Z"})
            assert frozen.status_code == 200, frozen.text
            created = httpx.post(server.url + "/notes", headers=AUTH, json={"title": "Mine"})
            assert created.status_code == 201, created.text
        lists = [httpx.get(server.url + "/notes", headers=AUTH, params={"per_page": 100}) for server in (plain, kept)]
        assert lists[0].status_code == 200 and lists[0].content == lists[1].content
        assert lists[0].json()["data"][0]["title"] == "Mine" and lists[0].json()["meta"]["total"] > 1
    finally:
        plain.stop()
        kept.stop()


def test_keep_generated_and_empty_collections_together_stop_start_up_in_one_line() -> None:
    result = run_cli("serve", "--spec", str(NOTES), "--keep-generated", "--empty-collections")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "mockserver: error: --keep-generated: contradicts --empty-collections; leave it out (it is the default now)"]


def test_empty_collections_across_two_workers() -> None:
    """Empty from the start on either worker; then exactly the notes created, on every page."""
    running = start_server("--spec", str(NOTES), "--workers", "2", "--empty-collections")
    try:
        def client() -> httpx.Client:  # a fresh connection: either worker answers
            return httpx.Client(base_url=running.url, headers=AUTH, timeout=30)

        for _ in range(4):
            with client() as one:
                assert one.get("/notes").json() == {"data": [], "meta": {"page": 1, "per_page": 20, "total": 0}}

        def create(index: int) -> str:
            with client() as one:
                reply = one.post("/notes", json={"title": f"Note {index}"})
                assert reply.status_code == 201, reply.text
                return reply.json()["id"]

        with ThreadPoolExecutor(6) as pool:
            made = set(pool.map(create, range(12)))
        for _ in range(4):
            with client() as one:
                pages = [one.get("/notes", params={"per_page": 5, "page": page}).json() for page in (1, 2, 3)]
            assert [p["meta"]["total"] for p in pages] == [12, 12, 12] and [len(p["data"]) for p in pages] == [5, 5, 2]
            assert {note["id"] for page in pages for note in page["data"]} == made
    finally:
        running.stop()
    assert "Traceback" not in running.log()


def test_two_instances_on_one_redis_list_the_same_notes(tmp_path) -> None:
    """The shared store: a note created on one instance, a generated one deleted and another
    patched on the other; both list the same notes, stored first, in the same order."""
    from tests.process.test_shared_state import Redis

    redis = Redis(tmp_path)
    redis.start()
    servers = []
    try:
        servers = [start_server("--spec", str(NOTES), "--state", redis.url) for _ in range(2)]
        one, two = (httpx.Client(base_url=server.url, headers=AUTH, timeout=30) for server in servers)
        with one, two:
            assert one.post("/__mock/reset").status_code == 204
            generated = two.get("/notes", params={"per_page": 100}).json()["data"]
            note = one.post("/notes", json={"title": "Mine"}).json()
            assert two.delete(f"/notes/{generated[0]['id']}").status_code == 204
            patched = two.patch(f"/notes/{generated[1]['id']}", json={"status": "archived"}).json()
            listed = [client.get("/notes", params={"per_page": 100}).json() for client in (one, two)]
            assert listed[0] == listed[1]
            assert listed[0]["data"] == [note, patched, *generated[2:]]
            assert listed[0]["meta"]["total"] == len(generated)
            assert one.get(f"/notes/{generated[0]['id']}").status_code == 404
    finally:
        for server in servers:
            server.stop()
        redis.stop()
    assert all("Traceback" not in server.log() for server in servers)
