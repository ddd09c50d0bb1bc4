// /health and /ready: for load balancers, orchestrators and monitoring.
import { Type } from '@sinclair/typebox'
import { Nullable } from './common.js'

export const HealthReply = Type.Object({
  status: Type.Literal('ok', { examples: ['ok'] })
}, { title: 'HealthReply', description: 'The process is up and answering.' })

export const CatalogueStatus = Type.Object({
  count: Type.Integer({ description: 'Entries served.', examples: [148] }),
  lastUpdate: Nullable(Type.String({ description: "The catalogue file's own date (anime-offline-database `lastUpdate`).", examples: ['2026-11-20'] })),
  source: Nullable(Type.String({ description: 'The file name or URL the catalogue was imported from.', examples: ['anime-offline-database.json'] })),
  version: Type.Integer({ description: 'Bumped by every import (it is part of the ETags of catalogue reads).', examples: [1] }),
  importedAt: Nullable(Type.String({ description: 'When the last successful import committed (UTC, ISO 8601); catalogue answers carry it as `Last-Modified`.', examples: ['2026-11-25T15:51:25.000Z'] })),
  release: Nullable(Type.String({ description: 'The release tag the file was downloaded from, where its URL named one (a pinned weekly tag); null for `latest` and for local files.', examples: ['2026-36'] }))
}, { title: 'CatalogueStatus', description: 'The served catalogue and how fresh it is; zeros and nulls when it cannot be read.' })

export const AccountsStatus = Type.Object({
  writable: Type.Boolean({ description: 'Whether the accounts database takes writes.', examples: [true] }),
  backend: Type.String({ description: '`sqlite` (DATA_DIR/accounts.sqlite) or `postgres`.', examples: ['sqlite'] })
}, { title: 'AccountsStatus' })

export const ReadyReply = Type.Object({
  status: Type.Literal('ready', { examples: ['ready'] }),
  catalogue: CatalogueStatus,
  accounts: AccountsStatus
}, { title: 'ReadyReply', description: 'Ready for traffic: the catalogue is loaded and the accounts database is writable.' })

export const NotReadyReply = Type.Object({
  detail: Type.String({ description: 'What is wrong.', examples: ['Not ready: the catalogue is empty.'] }),
  status: Type.Literal('not ready', { examples: ['not ready'] }),
  catalogue: CatalogueStatus,
  accounts: AccountsStatus
}, { title: 'NotReadyReply', description: 'Not ready for traffic (also while shutting down): take this instance out of rotation.' })
