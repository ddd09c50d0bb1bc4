// Stands in for the `bindings` package inside the single executable (esbuild's
// alias, scripts/build.ts): better-sqlite3 asks it for its native addon, which
// the executable carries as an asset (src/sea/assets.ts).
import { AssetError, seaAssetFile } from './assets.js'

export default function bindings (name: string): unknown {
  const file = seaAssetFile(name)
  if (file === null) throw new AssetError(`${name}: only the single executable carries native addons as assets`)
  const addon = { exports: {} as unknown }
  process.dlopen(addon, file)
  return addon.exports
}
