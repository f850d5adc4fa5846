import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Trust auth as user postgres on the local server; override for other setups. */
const ADMIN_URL = process.env.AUDIT_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Resolves with why PostgreSQL cannot be used, or null when it can. */
export async function postgresUnavailableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(ADMIN_URL).host} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  url: string;
  /** Drops every audit object so the next store starts from an empty, unmigrated database. */
  reset(): Promise<void>;
  /** A superuser connection to the test database, for tampering the way an attacker with access would. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

/** A fresh `cancel_stockin_test_<random>` database, dropped by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cancel_stockin_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const connect = async () => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    return client;
  };
  return {
    url: url.toString(),
    connect,
    async reset() {
      const client = await connect();
      try {
        await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      } finally {
        await client.end();
      }
    },
    async drop() {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
