// HTTP helpers (reply.notFound, httpErrors, …) from Fastify's own plugin.
import sensible from '@fastify/sensible'

export default sensible
