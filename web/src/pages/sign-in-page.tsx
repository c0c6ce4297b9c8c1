import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { ErrorBox } from '../components/feedback.tsx';
import { useAction } from '../use-api.ts';

/** Sign-in with the admin token; the server answers with an http-only session cookie, so the token is never stored here. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const { busy, error, setError, run } = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (token.trim() === '') {
      setError(new ApiError(0, 'CONSOLE', 'Paste the admin token first.'));
      return;
    }
    await run(async () => {
      await api('POST', '/session', { token: token.trim() });
      onSignedIn();
    });
  };

  return (
    <div className="sign-in">
      <form className="sign-in-card" onSubmit={submit}>
        <div className="brand large">
          <span className="brand-mark" aria-hidden="true" />
          Centric
        </div>
        <h1>Sign in</h1>
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="Paste the admin token"
        />
        <p className="hint">
          The server prints the token when it starts (<code>npm start</code> or <code>npm run demo</code>) and keeps it in the data directory
          as <code>admin-token</code>; or use the one you set in <code>CENTRIC_ADMIN_TOKEN</code>.
        </p>
        {error ? <ErrorBox error={error} title="Could not sign in." /> : null}
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
