// GET /health (the process is up) and GET /ready (ready for traffic), for load
// balancers and monitoring; see README "Health checks". Never cached, never rate limited.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthReply, NotReadyReply, ReadyReply } from '../../schemas/health.js'

const probe = { cache: 'no-store' as const, rateLimit: false as const }

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', {
    config: probe,
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness',
      description: 'Answers 200 `{"status":"ok"}` while the process runs. Restart the service when it does not answer.',
      tags: ['health'],
      response: { 200: HealthReply }
    }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    config: probe,
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness',
      description: 'Answers 200 when the catalogue is loaded (at least one entry) and the accounts database takes writes, ' +
        'with the catalogue\'s date, source, entry count and version; 503 with `detail` saying what is wrong otherwise, ' +
        'and from the moment a shutdown begins. Send traffic only to instances that answer 200.',
      tags: ['health'],
      response: { 200: ReadyReply, 503: NotReadyReply }
    }
  }, async (_request, reply) => {
    const { ready, problems, catalogue, accounts } = await fastify.readiness()
    if (ready) return { status: 'ready' as const, catalogue, accounts }
    return reply.code(503).send({ detail: `Not ready: ${problems.join('; ')}.`, status: 'not ready' as const, catalogue, accounts })
  })
}

export default health
