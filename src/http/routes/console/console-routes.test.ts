import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildTestApp } from '../../test-app.ts';
import { installErrorHandler } from '../../plugins/error-handler.ts';
import { createSessionValue } from '../../plugins/console-session.ts';
import { consoleRoutes } from './console-routes.ts';

const CONSOLE = { 'x-centric-console': '1' };

let app: FastifyInstance;
beforeAll(async () => {
  ({ app } = await buildTestApp());
});
afterAll(() => app.close());

async function signIn(token = ADMIN_TOKEN) {
  return app.inject({ method: 'POST', url: '/api/v1/session', headers: CONSOLE, payload: { token } });
}

function sessionOf(response: { headers: Record<string, unknown> }): string {
  const header = String(response.headers['set-cookie']);
  return /centric_session=([^;]*)/.exec(header)![1]!;
}

describe('console sign-in', () => {
  it('exchanges the admin token for an http-only, SameSite=Strict session cookie that does not contain the token', async () => {
    const response = await signIn();
    expect(response.statusCode).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^centric_session=s1\.\d+\.[\w-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    expect(response.json().signedIn).toBe(true);
  });

  it('refuses a wrong token with a message that says where the right one is', async () => {
    const response = await signIn('not-the-token');
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('CENTRIC_ERR_AUTH_INVALID_TOKEN');
    expect(response.json().error.message).toMatch(/printed when the server started/);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('lets the session read the management API as a bearer token does', async () => {
    const session = sessionOf(await signIn());
    const response = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: { cookie: `other=1; centric_session=${session}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toHaveProperty('items');
    expect((await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: `centric_session=${session}` } })).statusCode).toBe(200);
  });

  it('refuses a cookie-authenticated change without the console header (a cross-site form cannot send one)', async () => {
    const session = sessionOf(await signIn());
    const forged = await app.inject({ method: 'POST', url: '/api/v1/sources', headers: { cookie: `centric_session=${session}` }, payload: { name: 'forged' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('CENTRIC_ERR_AUTH_CSRF');
    const list = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(list.json().items.map((source: any) => source.name)).not.toContain('forged');

    const real = await app.inject({ method: 'POST', url: '/api/v1/sources', headers: { cookie: `centric_session=${session}`, ...CONSOLE }, payload: { name: 'from the console' } });
    expect(real.statusCode).toBe(201);
  });

  it('still takes bearer tokens for changes without any console header', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/sources', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'from a script' } });
    expect(response.statusCode).toBe(201);
  });

  it('refuses a tampered, expired or foreign session and asks to sign in again', async () => {
    const session = sessionOf(await signIn());
    const tampered = session.replace(/\.(\d+)\./, (_match, expiry: string) => `.${Number(expiry) + 1000}.`);
    const expired = createSessionValue(ADMIN_TOKEN, Math.floor(Date.now() / 1000) - 1);
    const foreign = createSessionValue('some other server token', Math.floor(Date.now() / 1000) + 3600);
    for (const value of [tampered, expired, foreign, 'garbage']) {
      const response = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: { cookie: `centric_session=${value}` } });
      expect(response.statusCode, value).toBe(401);
      expect(response.json().error.code).toBe('CENTRIC_ERR_AUTH_SESSION_EXPIRED');
    }
  });

  it('signs out by clearing the cookie', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: CONSOLE });
    expect(response.statusCode).toBe(204);
    expect(String(response.headers['set-cookie'])).toMatch(/^centric_session=; Path=\/; Max-Age=0;/);
  });
});

describe('serving the console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'centric-console-dist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serve(consoleDir: string): Promise<FastifyInstance> {
    const server = Fastify();
    installErrorHandler(server);
    await server.register(consoleRoutes, { adminTokens: [ADMIN_TOKEN], dir: consoleDir });
    return server;
  }

  it('answers every console path with the page, and built assets with long caching', async () => {
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Centric</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    const server = await serve(dir);
    for (const path of ['/', '/customers', '/customers/prf_x', '/sources/src_1', '/segments', '/segments/seg_1', '/journeys', '/touchpoints']) {
      const response = await server.inject({ method: 'GET', url: path });
      expect(response.statusCode, path).toBe(200);
      expect(response.body).toContain('<title>Centric</title>');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    const asset = await server.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await server.inject({ method: 'GET', url: '/elsewhere' })).statusCode).toBe(404);
    await server.close();
  });

  it('says how to build the console when it is not built, instead of failing obscurely', async () => {
    const server = await serve(join(dir, 'missing'));
    const response = await server.inject({ method: 'GET', url: '/customers' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('CENTRIC_ERR_CONSOLE_NOT_BUILT');
    expect(response.json().error.message).toContain('npm run build');
    await server.close();
  });
});
