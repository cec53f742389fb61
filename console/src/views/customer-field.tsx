import { useEffect, useRef, useState } from 'preact/hooks';
import { CUSTOMER_ID_PATTERN } from '../customer-id';
import { useI18n } from '../i18n';

/** The customer reference form the explain and customer views share; the route holds the customer. */
export function CustomerField({
  value,
  label,
  submit,
  busy,
  testId,
  onSubmit,
}: {
  value: string;
  label: string;
  submit: string;
  busy: boolean;
  testId: string;
  onSubmit: (customerRef: string) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  // The route's customer replaces what is typed only when it changes. Preact runs effects after the
  // paint, so an effect that also ran on mount cleared what was typed in the first frame (a fast
  // typist, or a test), and the required field then refused the submit.
  const shown = useRef(value);
  useEffect(() => {
    if (shown.current === value) return;
    shown.current = value;
    setText(value);
  }, [value]);
  return (
    <form
      class="panel search-form"
      data-testid={`${testId}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onSubmit(text.trim());
      }}
    >
      <label class="field grow">
        <span class="field-label">{label}</span>
        <input
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="crm:4711"
          required
          pattern={CUSTOMER_ID_PATTERN}
          title={t('explain.customerHint')}
          aria-describedby={`${testId}-hint`}
          autoComplete="off"
          spellcheck={false}
          data-testid={`${testId}-customer`}
        />
        <span class="field-hint" id={`${testId}-hint`}>
          {t('explain.customerHint')}
        </span>
      </label>
      <button type="submit" class="button primary" disabled={busy} data-testid={`${testId}-submit`}>
        {submit}
      </button>
    </form>
  );
}
