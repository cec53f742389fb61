import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiFailure, fetchSession, logOut, whenUnauthenticated } from './api';
import { I18nContext, initialLang, makeI18n, storeLang, useI18n, type MessageKey } from './i18n';
import { useHubState, type LiveStatus } from './live';
import { parseHash, ROUTE_REPLACED } from './route';
import type { Lang, Session } from './types';
import { AuditView } from './views/audit';
import { CustomerView } from './views/customer';
import { DryRunView } from './views/dry-run';
import { ExplainView } from './views/explain';
import { LoginView } from './views/login';
import { PoliciesView } from './views/policies';
import { LangSwitch } from './views/lang';
import { ErrorNote } from './views/parts';
import './styles.css';

type ViewName = 'policies' | 'dry-run' | 'explain' | 'customer' | 'audit';
const VIEWS: { name: ViewName; label: MessageKey }[] = [
  { name: 'policies', label: 'nav.policies' },
  { name: 'dry-run', label: 'nav.dryRun' },
  { name: 'explain', label: 'nav.explain' },
  { name: 'customer', label: 'nav.customer' },
  { name: 'audit', label: 'nav.audit' },
];

interface Route {
  view: ViewName;
  /** what follows the view in the hash, e.g. the customer of #/customer/crm:4711 */
  arg: string;
}

function readRoute(): Route {
  const { name, arg } = parseHash(window.location.hash);
  const view = VIEWS.find((v) => v.name === name)?.name ?? 'policies';
  return { view, arg };
}

function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const update = () => setRoute(readRoute());
    window.addEventListener('hashchange', update);
    window.addEventListener(ROUTE_REPLACED, update);
    return () => {
      window.removeEventListener('hashchange', update);
      window.removeEventListener(ROUTE_REPLACED, update);
    };
  }, []);
  return route;
}

type SessionState =
  | { state: 'loading' }
  /** `ended`: the session went away under the page (a hub restart, a log-out elsewhere) */
  | { state: 'login'; ended?: boolean }
  | { state: 'ready'; session: Session };

function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    storeLang(next);
    setLangState(next);
  }, []);
  const i18n = useMemo(() => makeI18n(lang, setLang), [lang, setLang]);
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const [bootError, setBootError] = useState<ApiFailure | undefined>(undefined);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${i18n.t('product')} · ${i18n.t('console')}`;
  }, [lang, i18n]);

  useEffect(() => {
    whenUnauthenticated(() => setSession({ state: 'login', ended: true }));
    fetchSession()
      .then((found) => setSession(found ? { state: 'ready', session: found } : { state: 'login' }))
      .catch((err: unknown) =>
        setBootError(err instanceof ApiFailure ? err : new ApiFailure(0, 'network', '')),
      );
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      {session.state === 'ready' ? (
        <Shell session={session.session} onLogout={() => setSession({ state: 'login' })} />
      ) : session.state === 'login' ? (
        <LoginView
          ended={session.ended === true}
          onLogin={(s) => setSession({ state: 'ready', session: s })}
        />
      ) : (
        <main class="boot" aria-busy="true">
          {bootError ? <ErrorNote error={bootError} /> : i18n.t('loading')}
        </main>
      )}
    </I18nContext.Provider>
  );
}

function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const route = useRoute();
  const hub = useHubState(true);

  const logOutNow = async () => {
    try {
      await logOut();
    } finally {
      onLogout();
    }
  };

  return (
    <div class="shell">
      <a
        class="skip"
        href={`#/${route.view}`}
        onClick={(e) => {
          // the hash holds the route, so the skip link moves the focus itself
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <div class="brand">
          <img src="/console/assets/icon.svg" alt="" width="28" height="28" />
          <span class="brand-name">{t('product')}</span>
          <span class="brand-sub">{t('console')}</span>
        </div>
        <nav aria-label={t('nav.label')} class="nav">
          {VIEWS.map((v) => (
            <a
              key={v.name}
              href={`#/${v.name}`}
              class={route.view === v.name ? 'nav-link current' : 'nav-link'}
              aria-current={route.view === v.name ? 'page' : undefined}
              data-testid={`nav-${v.name}`}
            >
              {t(v.label)}
            </a>
          ))}
        </nav>
        <div class="top-tools">
          <LiveBadge status={hub.live} />
          {session.role === 'integrator' && (
            <a class="editor-link" href="/" data-testid="editor-link">
              {t('nav.editor')}
            </a>
          )}
          <LangSwitch />
          <div class="user" title={t('user.signedIn', { user: session.user })}>
            <span class="user-name" data-testid="user-name">
              {session.user}
            </span>
            <span class="user-role">{t(`user.role.${session.role}`)}</span>
          </div>
          {session.authRequired && (
            <button type="button" class="button ghost" onClick={logOutNow} data-testid="logout">
              {t('user.logout')}
            </button>
          )}
        </div>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {route.view === 'policies' && <PoliciesView hub={hub} filter={route.arg} />}
        {route.view === 'dry-run' && <DryRunView policies={hub.policies ?? []} initialPolicy={route.arg} />}
        {route.view === 'explain' && <ExplainView customer={route.arg} />}
        {route.view === 'customer' && <CustomerView customer={route.arg} />}
        {route.view === 'audit' && <AuditView live={hub.toggles} policies={hub.policies ?? []} />}
      </main>
    </div>
  );
}

function LiveBadge({ status }: { status: LiveStatus }) {
  const { t } = useI18n();
  return (
    <span class={`live live-${status}`} data-testid="live-status" data-status={status} role="status">
      <span class="live-dot" aria-hidden="true" />
      {t(`live.${status}`)}
    </span>
  );
}

const root = document.getElementById('app') as HTMLElement;
// the page's "loading" text is not Preact's to diff against
root.textContent = '';
render(<App />, root);
