// The official Lago JavaScript client against the mock: node lago_client.mjs BASE_URL ID MISSING_ID
// Prints one JSON line: what the client returned for ID, and the error it raised for MISSING_ID.
import { Client, getLagoError } from "lago-javascript-client";

const [baseUrl, id, missing] = process.argv.slice(2);
const lago = Client("any-api-key", { baseUrl });

const { data: found } = await lago.activityLogs.findActivityLog(id);
const { data: apiLog } = await lago.apiLogs.findApiLog(id);
let error = null;
try {
  await lago.activityLogs.findActivityLog(missing);
} catch (raised) {
  error = await getLagoError(raised);
}
console.log(JSON.stringify({ found, apiLog, error }));
