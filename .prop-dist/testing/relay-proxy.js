/**
 * A TCP proxy between an agent and a server, for network faults without sleeps: `cut()` closes every
 * connection (a network cut), `down(true)` refuses new ones (a server that is gone), `retarget(port)`
 * points it at a restarted server.
 */
import net from 'node:net';
export async function startFaultProxy(targetPort) {
    let target = targetPort;
    let isDown = false;
    let bytesUp = 0;
    const open = new Set();
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
        client.on('data', (d) => (bytesUp += d.length));
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const proxy = {
        port: typeof addr === 'object' && addr ? addr.port : 0,
        cut() {
            const n = open.size;
            for (const s of open)
                s.destroy();
            open.clear();
            return n;
        },
        down(on) {
            isDown = on;
            if (on)
                proxy.cut();
        },
        retarget(port) {
            target = port;
        },
        get bytesUp() {
            return bytesUp;
        },
        close: () => new Promise((r) => {
            for (const s of open)
                s.destroy();
            server.close(() => r());
        }),
    };
    return proxy;
}
