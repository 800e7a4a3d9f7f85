"""Trivial one-step runs end to end, as a user starts them: a manual run through the API (POST
/api/v1/projects/{project}/runs), then GET /api/v1/runs/{id} every 2 ms on one kept-alive
connection until the run is success. Prints one duration (ms) per run. The job is an inline step,
so the runner stages a real checkout of the commit through Git HTTP with its job token, streams
its log and reports its end before the run can be success: all of that is inside the figure."""
import http.client, json, sys, time
from urllib.parse import urlsplit

url, token, project, pipeline, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
host = urlsplit(url)
connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def call(method, path, body=None):
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{method} {path} answered {response.status}: {data[:500]!r}")
    return json.loads(data)

for _ in range(count):
    started = time.perf_counter()
    run = call("POST", f"/api/v1/projects/{project}/runs", {"pipeline": pipeline, "ref": "main"})
    while run["status"] not in ("success", "failed", "canceled", "skipped"):
        time.sleep(0.002)
        run = call("GET", f"/api/v1/runs/{run['id']}")
    if run["status"] != "success" or any(j["status"] != "success" for j in run.get("jobs", [])):
        sys.exit(f"run {run['id']} ended {run['status']}: {json.dumps(run)[:1000]}")
    print(f"{(time.perf_counter() - started) * 1000:.1f}", flush=True)
