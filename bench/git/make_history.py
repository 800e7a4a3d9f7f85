"""Writes a git fast-import stream of N linear commits (each edits one of 50 small files) to stdout."""
import sys

n = int(sys.argv[1])
out = sys.stdout.buffer
for i in range(1, n + 1):
    message = f"commit {i}\n".encode()
    content = (f"file {i % 50} at commit {i}\n" * 20).encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"mark :{i}\n".encode())
    out.write(f"committer Bench <bench@example.com> {1700000000 + i * 60} +0000\n".encode())
    out.write(f"data {len(message)}\n".encode() + message)
    if i > 1:
        out.write(f"from :{i - 1}\n".encode())
    out.write(f"M 644 inline src/file{i % 50:02d}.txt\n".encode())
    out.write(f"data {len(content)}\n".encode() + content + b"\n")
out.write(b"done\n")
