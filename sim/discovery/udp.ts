import type dgram from 'node:dgram';

/** Binds a UDP socket; a failed bind (EADDRINUSE) rejects instead of leaving the caller waiting for ever. */
export function bindUdp(socket: dgram.Socket, port: number, address?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
