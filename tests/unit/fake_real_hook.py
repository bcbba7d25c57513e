"""A stand-in for `nix __build-remote` that speaks the hook protocol like build-remote.cc and records what it got.

Run as a script; FAKE_HOOK (JSON) says where to record, which replies to give in turn, and how to exit. With
`per_host`, each instance is a builder: the host in its `builders` setting (`ssh-ng://HOST ...`) picks its replies,
and it records to `<record>.<HOST>`; the reply `unreachable` prints build-remote's connection error, then declines.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nixswarm.hook.messages import read_request, read_settings
from nixswarm.hook.wire import EndOfStream, WireReader


def main() -> int:
    script = json.loads(os.environ["FAKE_HOOK"])
    cmdline = [a.decode() for a in Path("/proc/self/cmdline").read_bytes().split(b"\0")[:-1]]
    record: dict[str, object] = {"argv": cmdline, "fds": [fd for fd in (4, 5) if _open(fd)], "tries": []}
    tries: list[dict[str, object]] = []
    record["tries"] = tries
    save = Path(script["record"])

    def flush() -> None:
        save.write_text(json.dumps(record))

    reader = WireReader(lambda n: os.read(0, n))
    settings = read_settings(reader)
    record["settings"] = settings
    reader.take_raw()
    replies = list(script.get("replies", []))
    per_host = script.get("per_host")
    if per_host is not None:
        host = settings.get("builders", "").split(" ", 1)[0].split("://", 1)[-1]
        save = Path(f"{script['record']}.{host}")
        replies = list(per_host.get(host, []))
    flush()
    if script.get("permanently"):
        sys.stderr.write("# decline-permanently\n")
        return 0
    while True:
        try:
            request = read_request(reader)
        except EndOfStream:
            record["eof"] = True
            flush()
            return 0
        if request is None:
            return 0
        tries.append({"am_willing": request.am_willing, "drv": request.drv_path, "raw": reader.take_raw().hex()})
        flush()
        reply = replies.pop(0)
        if reply == "die":
            sys.stderr.write("fake hook: dying\n")
            return 3
        if reply == "unreachable":
            sys.stderr.write("error: cannot build on 'ssh-ng://host': connection refused\n")
            reply = "decline"
        if script.get("chatter"):
            sys.stderr.write('@nix {"action":"msg","level":5,"msg":"considering a machine"}\nplain chatter\n')
        sys.stderr.write(f"# {reply}\n")
        sys.stderr.flush()
        if reply == "accept":
            sys.stderr.write("ssh-ng://fake-machine\n")
            sys.stderr.flush()
            record["inputs"] = [p.decode() for p in reader.read_strings()]
            record["outputs"] = [o.decode() for o in reader.read_strings()]
            os.write(4, b"building on the fake machine\n")
            sys.stderr.write('@nix {"action":"msg","level":3,"msg":"copying outputs"}\n')
            flush()
            return int(script.get("exit", 0))


def _open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
