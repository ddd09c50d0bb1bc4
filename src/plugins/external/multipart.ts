// multipart/form-data bodies: fields become plain body values, as with form bodies.
import multipart from '@fastify/multipart'

export const autoConfig = {
  attachFieldsToBody: 'keyValues' as const,
  limits: { fieldSize: 1 << 20, fields: 50, files: 1, fileSize: 16 << 20, parts: 60 }
}

export default multipart
