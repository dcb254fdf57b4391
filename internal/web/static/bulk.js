// The triage queue's bulk form: "select all on this page" checks or clears every
// row's box, "all N matching" checks them too, and the form shows only the fields the chosen action reads (none
// before one is chosen). Without this script every field shows and each row is
// checked by hand; the server reads only the chosen action's fields either way.
(() => {
  const form = document.getElementById('bulk-form');
  if (!form) return;
  const boxes = () => Array.from(form.querySelectorAll('input[name=opinions]'));
  const all = document.getElementById('select-all');
  const sync = () => {
    const checked = boxes().filter(b => b.checked).length;
    all.checked = checked > 0 && checked === boxes().length;
    all.indeterminate = checked > 0 && checked < boxes().length;
  };
  document.getElementById('select-all-cell').hidden = false;
  all.addEventListener('change', () => { for (const b of boxes()) b.checked = all.checked; });
  // "All N matching" covers every page, this one's rows included: it checks them,
  // and taking one of them out is no longer all.
  const every = document.getElementById('bulk-all-matching');
  if (every) every.addEventListener('change', () => {
    if (every.checked) { for (const b of boxes()) b.checked = true; sync(); }
  });
  form.addEventListener('change', e => {
    if (e.target.name !== 'opinions') return;
    if (every && !e.target.checked) every.checked = false;
    sync();
  });
  sync();

  const action = document.getElementById('bulk-action');
  const show = () => {
    for (const f of form.querySelectorAll('[data-actions]')) {
      f.hidden = !f.dataset.actions.split(' ').includes(action.value);
    }
  };
  action.addEventListener('change', show);
  show();
})();
