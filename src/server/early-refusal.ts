import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request refused before its body was read (onRequest: no token, no certificate, over a cluster's
 * share): the connection closes after the answer. Otherwise Node keeps it open to read and discard
 * the body the client announced, for as long as the client takes to send it (up to the request
 * deadline), which is what a slow or silent unauthenticated client wants.
 */
export function closeAfterRefusal(req: FastifyRequest, reply: FastifyReply): void {
  const h = req.headers;
  const announced = h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  if (announced) reply.header('connection', 'close');
}
