// The plain page the cold-open benchmark compares Auditdeck with: no framework, no wasm. It sends
// the vendor requests the app sent for the same link (the benchmark hands them over before the
// page loads, in window.__plainRequests: method, url, authorization, form fields), and builds a
// table of the first answer's rows with createElement and textContent.
const requests = window.__plainRequests || [];

const rowsOf = (body) => {
    if (Array.isArray(body)) return body;
    for (const value of Object.values(body || {})) {
        if (Array.isArray(value)) return value;
    }
    return [];
};

const send = async (r) => {
    const init = { method: r.method, headers: {} };
    if (r.authorization) init.headers.Authorization = r.authorization;
    if (r.form.length) {
        if ((r.content_type || '').startsWith('multipart/')) {
            const form = new FormData();
            for (const [k, v] of r.form) form.append(k, v);
            init.body = form;
        } else {
            init.body = new URLSearchParams(r.form);
        }
    }
    const response = await fetch(r.url, init);
    return rowsOf(await response.json());
};

const render = (rows) => {
    if (document.querySelector('table.events') || rows.length === 0) return;
    const table = document.createElement('table');
    table.className = 'events';
    const tbody = document.createElement('tbody');
    for (const row of rows) {
        const tr = document.createElement('tr');
        tr.dataset.id = String(row.id ?? row.event_id ?? row.jti ?? tbody.childElementCount);
        for (const value of Object.values(row).slice(0, 7)) {
            const td = document.createElement('td');
            td.textContent = value === null || value === undefined ? ''
                : typeof value === 'object' ? JSON.stringify(value) : String(value);
            tr.appendChild(td);
        }
        tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    document.querySelector('main').appendChild(table);
};

// Each answer is drawn as it comes, as the app draws each source's section.
for (const r of requests) {
    send(r).then(render, (e) => { document.querySelector('main').textContent = 'plain page failed: ' + e; });
}
