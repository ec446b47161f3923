// The official ChatBotKit SDK (@chatbotkit/sdk, its contact client) against a Rapport server:
// create, list, list stream (JSON lines), fetch, update with $update, ensure, delete, and the
// errors it raises. Run by tests/api/sdk.rs; prints one line per step and exits non-zero with
// the failing step's reason.
//
// Environment:
//   BASE_URL         the server's root, e.g. http://127.0.0.1:8080 (the SDK adds /api/v1/...)
//   TOKEN            an editor API token
//   RAPPORT_SDK_DIR  the npm prefix where scripts/test installed @chatbotkit/sdk
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const { BASE_URL, TOKEN, RAPPORT_SDK_DIR } = process.env
for (const [name, value] of Object.entries({ BASE_URL, TOKEN, RAPPORT_SDK_DIR })) {
  if (!value) {
    console.error(`FAIL setup: ${name} is not set`)
    process.exit(2)
  }
}

// Import the contact client the way the package exports it (`@chatbotkit/sdk/contact`), from
// the installed copy rather than a path guessed inside its dist folder.
const packageDir = join(RAPPORT_SDK_DIR, 'node_modules', '@chatbotkit', 'sdk')
const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'))
const entry = manifest.exports['./contact'].import.default
const { ContactClient } = await import(pathToFileURL(join(packageDir, entry)).href)
console.log(`using @chatbotkit/sdk ${manifest.version} against ${BASE_URL}`)

// A client error must come back at once: the SDK retries 429 and 5xx only.
const contacts = new ContactClient({ secret: TOKEN, baseUrl: BASE_URL, retries: 0 })

let passed = 0
async function step(name, run) {
  try {
    await run()
    passed += 1
    console.log(`ok   ${name}`)
  } catch (error) {
    console.error(`FAIL ${name}: ${error?.stack || error}`)
    console.error(`SDK flow stopped after ${passed} good steps`)
    process.exit(1)
  }
}

/** Runs `call`, which must fail with a FetchError of this code. */
async function rejects(call, code) {
  try {
    await call()
  } catch (error) {
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`)
    assert.ok(error.message, 'the error has a message')
    return error
  }
  assert.fail(`expected a ${code} error, but the call succeeded`)
}

let jane
let bob

await step('create', async () => {
  const created = await contacts.create({
    name: 'Jane SDK',
    email: 'jane.sdk@example.com',
    preferences: 'Be brief',
    meta: { tier: 'gold' },
  })
  assert.equal(typeof created.id, 'string')
  assert.deepEqual(Object.keys(created), ['id'])
  jane = created.id
  bob = (await contacts.create({ name: 'Bob SDK', meta: { tier: 'silver' } })).id
  assert.notEqual(bob, jane)
})

await step('create refuses bad input with UNPROCESSABLE_ENTITY', async () => {
  const error = await rejects(() => contacts.create({ email: 'not-an-email' }), 'UNPROCESSABLE_ENTITY')
  assert.match(error.message, /^email: /)
})

await step('list with a meta filter', async () => {
  const page = await contacts.list({ take: 10, order: 'desc', meta: { tier: 'gold' } })
  assert.deepEqual(page.items.map((c) => c.id), [jane])
  assert.equal(page.cursor, jane)
})

await step('list pages by cursor', async () => {
  const first = await contacts.list({ take: 1 })
  assert.deepEqual(first.items.map((c) => c.id), [bob], 'newest first')
  const second = await contacts.list({ take: 1, cursor: first.cursor })
  assert.deepEqual(second.items.map((c) => c.id), [jane])
  const ascending = await contacts.list({ take: 1, order: 'asc' })
  assert.deepEqual(ascending.items.map((c) => c.id), [jane])
})

await step('list stream (JSON lines)', async () => {
  const ids = []
  for await (const event of contacts.list().stream()) {
    assert.equal(event.type, 'item')
    ids.push(event.data.id)
  }
  assert.deepEqual(ids, [bob, jane])
})

await step('fetch', async () => {
  const contact = await contacts.fetch(jane)
  assert.equal(contact.id, jane)
  assert.equal(contact.name, 'Jane SDK')
  assert.equal(contact.email, 'jane.sdk@example.com')
  assert.equal(contact.preferences, 'Be brief')
  assert.equal(contact.phone, null)
  assert.equal(contact.verifiedAt, null)
  assert.deepEqual(contact.meta, { tier: 'gold' })
  assert.equal(typeof contact.createdAt, 'number')
  assert.equal(typeof contact.fingerprint, 'string')
})

await step('update with $update merges meta', async () => {
  const updated = await contacts.update(jane, {
    preferences: 'Prefers Spanish',
    meta: { $update: { seen: true } },
  })
  assert.deepEqual(updated, { id: jane })
  const contact = await contacts.fetch(jane)
  assert.equal(contact.preferences, 'Prefers Spanish')
  assert.deepEqual(contact.meta, { tier: 'gold', seen: true })
  assert.equal(contact.name, 'Jane SDK', 'absent fields stay')
})

await step('ensure by fingerprint finds what it created', async () => {
  const a = await contacts.ensure({ fingerprint: 'user-000000000000000001', name: 'Bob Trusted' })
  const b = await contacts.ensure({ fingerprint: 'user-000000000000000001' })
  assert.equal(a.id, b.id)
  const contact = await contacts.fetch(a.id)
  assert.equal(contact.fingerprint, 'user-000000000000000001')
  assert.equal(typeof contact.verifiedAt, 'number', 'trusted contacts are verified')
})

await step('ensure by email fills empty fields only', async () => {
  const found = await contacts.ensure({
    name: 'Someone Else',
    email: 'JANE.SDK@example.com',
    phone: '+1 212 555 0147',
  })
  assert.equal(found.id, jane)
  const contact = await contacts.fetch(jane)
  assert.equal(contact.name, 'Jane SDK')
  assert.equal(contact.phone, '+12125550147')
})

await step('delete', async () => {
  assert.deepEqual(await contacts.delete(jane), { id: jane })
})

await step('fetch of a deleted contact is NOT_FOUND', async () => {
  await rejects(() => contacts.fetch(jane), 'NOT_FOUND')
  await rejects(() => contacts.update(jane, { name: 'Ghost' }), 'NOT_FOUND')
})

console.log(`SDK flow complete: all ${passed} steps good`)
