"""RUNNERS runners claim pending jobs as fast as the server hands them out; prints claims/s and the
claims each runner was told it got, and writes them (job id, runner name) to CSV for the database check.
Each poller keeps one HTTP connection, as the real runner does, so the client measures the server, not TCP set-up."""
import http.client, json, sys, threading, time
from urllib.parse import urlsplit

url, registration, runners, tag, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
host = urlsplit(url)

def connect():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=60)

def post(connection, path, body):
    connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)

setup = connect()
names = [f"claims-{i}" for i in range(runners)]
tokens = [post(setup, "/api/v1/runner/register", {"registration_token": registration, "name": n})[1]["token"] for n in names]
claimed, errors, lock = [], [], threading.Lock()
capacity = {"concurrency": 1024, "executor": "process", "tags": [tag], "gpus": [], "cpus": 64, "memory_bytes": 1 << 40}
gate = threading.Barrier(runners + 1)

def poll(name, token):
    connection = connect()
    connection.connect()
    gate.wait()
    while True:
        status, body = post(connection, "/api/v1/runner/jobs/request", {"token": token, "capacity": capacity})
        if status == 204:
            return
        if status != 201:
            print(f"claim answered {status}: {body}", file=sys.stderr)
            errors.append(status)
            return
        with lock:
            claimed.append((body["id"], name, time.perf_counter()))

threads = [threading.Thread(target=poll, args=(n, t)) for n, t in zip(names, tokens)]
for t in threads: t.start()
gate.wait()
started = time.perf_counter()
for t in threads: t.join()
if errors or not claimed:
    sys.exit(f"claims failed: {len(errors)} errors, {len(claimed)} claims")
# Pollers wait out one long poll once the queue is empty: the rate counts up to the last claim.
ids = [i for i, _, _ in claimed]
elapsed = max(t for _, _, t in claimed) - started
with open(out, "w") as f:
    f.writelines(f"{i},{n}\n" for i, n, _ in claimed)
print(f"claims: {len(ids)} jobs by {runners} runners in {elapsed:.2f} s = {len(ids) / elapsed:.0f} claims/s "
      f"(target >= 1,000/s), {len(ids) - len(set(ids))} answered twice")
