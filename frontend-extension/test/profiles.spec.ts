import { ServerConnection } from '@jupyterlab/services';

import { fetchProfiles, profileHelp } from '../src/profiles';
import { PROFILES_BODY } from './fixtures';
import { ProfileServer } from './profileServer';

describe('fetchProfiles', () => {
  const server = new ProfileServer();
  let settings: ServerConnection.ISettings;

  beforeAll(async () => {
    const root = await server.start();
    // As under JupyterHub: the base URL has the user's prefix.
    settings = ServerConnection.makeSettings({
      baseUrl: `${root}user/alice/`,
      token: 'server-token'
    });
  });
  afterAll(() => server.stop());

  it('asks {baseUrl}scheduler/profiles', async () => {
    server.answer(200, PROFILES_BODY);
    await fetchProfiles(settings);
    const last = server.requests[server.requests.length - 1];
    expect(last.method).toBe('GET');
    // ServerConnection adds a valueless cache-buster, as for every scheduler route.
    expect(last.url).toMatch(/^\/user\/alice\/scheduler\/profiles(\?\d+)?$/);
    expect(last.headers.authorization).toBe('token server-token');
  });

  it('reads the profiles', async () => {
    server.answer(200, PROFILES_BODY);
    const state = await fetchProfiles(settings);
    expect(state.status).toBe('loaded');
    if (state.status === 'loaded') {
      expect(state.response.profiles.map(p => p.name)).toEqual([
        'cpu-basic',
        'a100-single',
        'custom'
      ]);
      expect(state.response.limits.maxCpu).toBe('16');
      const [basic, a100] = state.response.profiles;
      expect(basic.queue).toBeUndefined();
      expect(a100.queue).toBe('gpu-a100');
      expect(profileHelp(a100)).toBe(
        'One A100 GPU. Waits in the Kueue queue gpu-a100 until its quota admits it.'
      );
      expect(profileHelp(basic)).toBe(basic.description || ' ');
    }
  });

  it('falls back quietly on 404 (the service has no profiles route yet)', async () => {
    server.answer(404, { message: 'Not Found', reason: null });
    expect(await fetchProfiles(settings)).toEqual({ status: 'unavailable' });
  });

  it('reports any other failure with the service message', async () => {
    server.answer(503, { message: 'Kubernetes API unavailable', reason: null });
    expect(await fetchProfiles(settings)).toEqual({
      status: 'failed',
      message: 'HTTP 503: Kubernetes API unavailable'
    });
  });

  it('reports an answer that is not JSON', async () => {
    server.answer(200, '<html>proxy error</html>');
    const state = await fetchProfiles(settings);
    expect(state.status).toBe('failed');
  });

  it('reports a server that is not there', async () => {
    const gone = ServerConnection.makeSettings({ baseUrl: 'http://127.0.0.1:9/' });
    const state = await fetchProfiles(gone);
    expect(state.status).toBe('failed');
  });
});
