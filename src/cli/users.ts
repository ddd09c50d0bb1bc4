// `anime-api users …` (npm run users -- …): account administration on the
// accounts file under DATA_DIR. Works while the service runs (SQLite WAL).
import fs from 'node:fs'
import { loadConfig } from '../config.js'
import { createAccount, openAccountsStore, type AccountsStore } from '../accounts/admin.js'
import { importDjangoUsers, NotDjangoDumpError } from '../accounts/django.js'
import { CommandError, operands, parseCommandLine, prepareDataDir, UsageError, type CliIo } from './io.js'

export const usersHelp = `Usage: anime-api users <command>

Commands:
  create <username> <email> [--password <password>]
                          Create an account, validated as POST /account/register.
                          Without --password (visible to other local users in
                          the process list) the password is the first line of
                          standard input: echo "$PW" | anime-api users create bob bob@example.com
  deactivate <username>   Refuse the account's logins and tokens; the account is kept
  reactivate <username>   Allow the account again
  delete <username>       Delete the account and its tokens
  list                    List the accounts (id, username, email, active, joined, last login, tokens)
  import-django <file>    Import the users of the old service from \`manage.py dumpdata auth.user\`
                          output: ids, usernames, emails, active flags and password
                          hashes are kept, so users log in with their old passwords.
                          Bad records are reported and skipped (exit code 1);
                          the rest go in together in one transaction.

Usernames are matched without regard to case.`

export interface UsersIo extends CliIo {
  /** The first line of standard input (the password for `create`). */
  readLine?: () => Promise<string>
}

async function readStdinLine (): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) {
    text += String(chunk)
    if (text.includes('\n')) break
  }
  return text.split(/\r?\n/)[0] ?? ''
}

const iso = (ms: number | null): string => ms === null ? '-' : new Date(ms).toISOString()

async function userNamed (store: AccountsStore, username: string) {
  const user = await store.repository.userByUsername(username)
  if (user === undefined) throw new CommandError(`no user "${username}"; anime-api users list shows the accounts`)
  return user
}

const usage: Record<string, string> = {
  create: 'anime-api users create <username> <email> [--password <password>]',
  deactivate: 'anime-api users deactivate <username>',
  reactivate: 'anime-api users reactivate <username>',
  delete: 'anime-api users delete <username>',
  list: 'anime-api users list',
  'import-django': 'anime-api users import-django <file>'
}
const operandNames: Record<string, string[]> = {
  create: ['username', 'email'], deactivate: ['username'], reactivate: ['username'], delete: ['username'], list: [], 'import-django': ['file']
}

export async function runUsersCommand (argv: string[], io: UsersIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    if (command === undefined) io.err(usersHelp)
    else io.out(usersHelp)
    return command === undefined ? 2 : 0
  }
  if (!Object.hasOwn(usage, command)) throw new UsageError(`unknown users command "${command}"; see anime-api users --help`)
  const { values, positionals } = parseCommandLine(rest, { password: { type: 'string' } }, usage[command]!)
  if (values.help === true) {
    io.out(usersHelp)
    return 0
  }
  if (values.password !== undefined && command !== 'create') throw new UsageError(`--password is an option of users create; usage: ${usage[command]}`)
  const args = operands(positionals, operandNames[command]!, usage[command]!)
  const config = loadConfig(io.env)
  if (config.databaseUrl === null) prepareDataDir(config.dataDir)
  const store = await openAccountsStore(config)
  try {
    switch (command) {
      case 'create': {
        const password = values.password ?? await (io.readLine ?? readStdinLine)()
        const [username, email] = args
        const created = await createAccount(store, { username: username!, email: email!, password }, config.now())
        if ('errors' in created) {
          for (const [field, messages] of Object.entries(created.errors)) io.err(`${field}: ${messages.join(' ')}`)
          return 1
        }
        io.out(`created user ${created.user.id} "${created.user.username}" <${created.user.email}>`)
        return 0
      }
      case 'deactivate':
      case 'reactivate': {
        const user = await userNamed(store, args[0]!)
        await store.repository.setActive(user.id, command === 'reactivate')
        io.out(`${command}d user ${user.id} "${user.username}"`)
        return 0
      }
      case 'delete': {
        const user = await userNamed(store, args[0]!)
        await store.repository.deleteUser(user.id)
        io.out(`deleted user ${user.id} "${user.username}" and its tokens`)
        return 0
      }
      case 'list': {
        const users = await store.repository.listUsers()
        io.out(['id', 'username', 'email', 'active', 'joined', 'last_login', 'tokens'].join('\t'))
        for (const user of users) {
          io.out([user.id, user.username, user.email, user.isActive ? 'yes' : 'no', iso(user.dateJoined), iso(user.lastLogin), user.tokens].join('\t'))
        }
        io.err(`${users.length} user${users.length === 1 ? '' : 's'}`)
        return 0
      }
      default: { // import-django
        const [file] = args
        let report
        try {
          report = await importDjangoUsers(store.repository, fs.readFileSync(file!, 'utf8'), config.now())
        } catch (error) {
          if (error instanceof NotDjangoDumpError) throw new CommandError(`${file}: ${error.message}`)
          throw error
        }
        io.out(`imported ${report.imported} of ${report.users} users from ${file}` +
          `${report.skipped.length > 0 ? `, skipped ${report.skipped.length}` : ''}` +
          `${report.ignored > 0 ? ` (${report.ignored} records of other models ignored)` : ''}`)
        for (const bad of report.skipped) io.err(`  skipped record #${bad.index}: ${bad.reason}`)
        for (const note of report.remarks) io.err(`  record #${note.index}: ${note.remark}`)
        return report.skipped.length > 0 ? 1 : 0
      }
    }
  } finally {
    await store.repository.close()
  }
}
