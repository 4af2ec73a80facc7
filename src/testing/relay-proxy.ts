/**
 * A TCP proxy between an agent and a server, for network faults without sleeps: `cut()` closes every
 * connection (a network cut), `down(true)` refuses new ones (a server that is gone), `retarget(port)`
 * points it at a restarted server.
 */
import net from 'node:net';

export interface FaultProxy {
  port: number;
  cut(): number;
  down(on: boolean): void;
  retarget(port: number): void;
  /** Bytes forwarded from the client since start. */
  readonly bytesUp: number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let target = targetPort;
  let isDown = false;
  let bytesUp = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('data', (d: Buffer) => (bytesUp += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const proxy: FaultProxy = {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    cut() {
      const n = open.size;
      for (const s of open) s.destroy();
      open.clear();
      return n;
    },
    down(on) {
      isDown = on;
      if (on) proxy.cut();
    },
    retarget(port) {
      target = port;
    },
    get bytesUp() {
      return bytesUp;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
  return proxy;
}
