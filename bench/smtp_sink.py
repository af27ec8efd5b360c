#!/usr/bin/env python3
"""A minimal SMTP sink for bench/scale-out.sh: accepts every message and appends one line per
message to a log: "<Message-ID>\t<recipients>". Standard library only.

    python3 bench/smtp_sink.py PORT LOG [DELAY_MS]

DELAY_MS (default 0) is how long it takes to accept each message, like a real server.
"""

import asyncio
import sys


async def session(reader, writer, log, delay):
    writer.write(b"220 sink ESMTP\r\n")
    rcpts = []
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "MAIL":
                rcpts = []
                writer.write(b"250 ok\r\n")
            elif verb == "RCPT":
                rcpts.append(line.decode("utf-8", "replace").strip()[8:].strip())
                writer.write(b"250 ok\r\n")
            elif verb == "DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                message_id = ""
                in_headers = True
                while True:
                    data = await reader.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    if in_headers:
                        if data in (b"\r\n", b"\n"):
                            in_headers = False
                        elif data.lower().startswith(b"message-id:"):
                            message_id = data.split(b":", 1)[1].decode().strip()
                if delay:
                    await asyncio.sleep(delay)
                log.write(f"{message_id}\t{','.join(rcpts)}\n")
                log.flush()
                writer.write(b"250 queued\r\n")
            elif verb == "RSET":
                rcpts = []
                writer.write(b"250 ok\r\n")
            elif verb == "NOOP":
                writer.write(b"250 ok\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"502 not implemented\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1])
    delay = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0
    with open(sys.argv[2], "a", encoding="utf-8") as log:
        server = await asyncio.start_server(
            lambda r, w: session(r, w, log, delay), "127.0.0.1", port
        )
        async with server:
            await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
