import { useI18n } from '../i18n';

/** German and English, each named in its own language, as a pair of pressed/unpressed buttons. */
export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div class="lang" role="group" aria-label={t('lang.label')}>
      {(['de', 'en'] as const).map((l) => (
        <button
          key={l}
          type="button"
          class={lang === l ? 'lang-option current' : 'lang-option'}
          aria-pressed={lang === l}
          lang={l}
          onClick={() => setLang(l)}
          data-testid={`lang-${l}`}
        >
          {l === 'de' ? 'Deutsch' : 'English'}
        </button>
      ))}
    </div>
  );
}
