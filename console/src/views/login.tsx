import { useState } from 'preact/hooks';
import { ApiFailure, logIn } from '../api';
import { errorText } from '../error-text';
import { useI18n } from '../i18n';
import type { Session } from '../types';
import { LangSwitch } from './lang';

/** `ended`: the session went away under the page; the log-in says so, not just asks for a password */
export function LoginView({
  onLogin,
  ended = false,
}: {
  onLogin: (session: Session) => void;
  ended?: boolean;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await logIn(username, password));
    } catch (err) {
      const failure = err instanceof ApiFailure ? err : undefined;
      if (failure?.status === 401) setError(t('login.invalid'));
      else if (failure?.status === 429)
        setError(
          t('login.tooMany', { minutes: Math.max(1, Math.ceil((failure.retryAfterSeconds ?? 60) / 60)) }),
        );
      else setError(errorText(i18n, err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login-page">
      <div class="login-lang">
        <LangSwitch />
      </div>
      <form class="login-card" onSubmit={submit} data-testid="login-form" aria-describedby="login-lead">
        <div class="brand login-brand">
          <img src="/console/assets/icon.svg" alt="" width="32" height="32" />
          <span class="brand-name">{t('product')}</span>
          <span class="brand-sub">{t('console')}</span>
        </div>
        <h1>{t('login.title')}</h1>
        <p class="lead" id="login-lead">
          {t('login.lead')}
        </p>
        {ended && (
          <p class="note" role="status" data-testid="login-notice">
            {t('login.sessionEnded')}
          </p>
        )}
        <label class="field">
          <span class="field-label">{t('login.username')}</span>
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            data-testid="login-username"
          />
        </label>
        <label class="field">
          <span class="field-label">{t('login.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p class="note note-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="button primary wide" disabled={busy} data-testid="login-submit">
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
