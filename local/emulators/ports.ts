// Port helpers: pick a free loopback port, or check that a requested one is free and say which setting
// asked for it when it is not.
import * as net from "node:net";

export const LOOPBACK = "127.0.0.1";

export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class PortInUseError extends Error {
  readonly code = "PORT_IN_USE";
  constructor(
    readonly port: number,
    readonly setting: string,
  ) {
    super(
      `port ${port} (${setting}) is already in use: choose another with ${setting}, or leave it unset to pick a free one`,
    );
    this.name = "PortInUseError";
  }
}

/** Resolves to `port` if it can be bound on all interfaces and on `host`, else throws PortInUseError. */
export async function ensurePortFree(port: number, setting: string, host = LOOPBACK): Promise<number> {
  // Some emulators bind every interface: check the wildcard too, so a clash is caught here, by name.
  for (const h of [host, "0.0.0.0"]) {
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", (e: NodeJS.ErrnoException) =>
        reject(e.code === "EADDRINUSE" ? new PortInUseError(port, setting) : e),
      );
      server.listen(port, h, () => server.close(() => resolve()));
    });
  }
  return port;
}

/** The requested port if free (else PortInUseError naming the setting), or a free one when none is requested. */
export const choosePort = (requested: number | undefined, setting: string): Promise<number> =>
  requested === undefined || requested === 0 ? freePort() : ensurePortFree(requested, setting);
