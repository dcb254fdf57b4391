// The evidence files of an action's form: a preview of each photo and file chosen,
// before anything is sent, with a button to take one out. A camera input holds one
// photo at a time, so each photo taken is added to those taken before it rather
// than replacing them (and so is each file chosen). A file over the size limit is
// taken out at once, with a message, as the server would refuse the whole form for
// it. Without this script the inputs work as browsers make them.
(() => {
  const size = n => n < 1 << 20 ? Math.max(1, Math.round(n / 1024)) + '\u00a0KB' : (n / (1 << 20)).toFixed(1) + '\u00a0MB';
  const same = (a, b) => a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

  for (const box of document.querySelectorAll('.files-field')) {
    const list = box.querySelector('ul.previews');
    const max = Number(box.dataset.maxBytes) || Infinity;
    const inputs = Array.from(box.querySelectorAll('input[type=file]'));
    const kept = new Map(inputs.map(input => [input, []]));
    let refused = [];
    box.classList.add('js');

    const keep = (input, files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(f);
      input.files = dt.files;
      kept.set(input, files);
    };

    const preview = (input, f) => {
      const li = document.createElement('li');
      if (f.type.startsWith('image/')) {
        const img = document.createElement('img');
        img.alt = f.name;
        const reader = new FileReader();
        reader.onload = () => { img.src = reader.result; };
        reader.readAsDataURL(f);
        li.append(img);
      }
      const caption = document.createElement('span');
      caption.textContent = f.name + ' · ' + size(f.size);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = box.dataset.remove;
      remove.setAttribute('aria-label', box.dataset.remove + ' ' + f.name);
      remove.addEventListener('click', () => {
        keep(input, kept.get(input).filter(g => g !== f));
        refused = [];
        show();
        input.focus();
      });
      li.append(caption, remove);
      return li;
    };

    const show = () => {
      list.replaceChildren();
      for (const name of refused) {
        const li = document.createElement('li');
        li.className = 'refused';
        li.setAttribute('role', 'alert');
        li.textContent = box.dataset.tooLarge.replace('{name}', name);
        list.append(li);
      }
      for (const input of inputs) {
        for (const f of kept.get(input)) list.append(preview(input, f));
      }
    };

    for (const input of inputs) {
      input.addEventListener('change', () => {
        const files = kept.get(input).slice();
        refused = [];
        for (const f of input.files) {
          if (f.size > max) refused.push(f.name);
          else if (!files.some(g => same(f, g))) files.push(f);
        }
        keep(input, files);
        show();
      });
    }
  }
})();
