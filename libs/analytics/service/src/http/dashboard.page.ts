/**
 * The dashboard's page and script, served as they are by DashboardController: they live here as
 * strings, rather than as files beside it, because the build compiles only TypeScript to dist/.
 * The script only calls the analytics APIs with the bearer token it is given; it draws with
 * Chart.js (served from the same origin: the CSP allows no other) and writes every charted key
 * number into the page as text too, with a data-testid and the API's raw value in data-value.
 */

export const dashboardHtml = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM analytics dashboard</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --accent: #2563eb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f5f7fa; }
  header { display: flex; align-items: baseline; gap: 16px; padding: 16px 24px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 20px; }
  header .status { color: var(--muted); flex: 1; }
  header button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; padding: 16px 24px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px; min-width: 0; }
  section h2 { margin: 0 0 2px; font-size: 16px; }
  section .subtitle { margin: 0 0 12px; color: var(--muted); }
  section.wide { grid-column: 1 / -1; }
  .chart { position: relative; height: 280px; }
  .figures { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-top: 12px; padding: 0; list-style: none; }
  .figures li { white-space: nowrap; }
  .figures .label { color: var(--muted); margin-right: 4px; }
  .notice { margin: 24px; padding: 16px 20px; border-radius: 10px; background: #fff8e1; border: 1px solid #f0c36d; }
  .notice code { background: #fff; padding: 1px 4px; border-radius: 4px; }
  .problem { color: #b42318; }
  table { border-collapse: collapse; margin-top: 12px; width: 100%; }
  th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--line); }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<div data-testid="dashboard" data-state="loading">
  <header>
    <h1>Sales dashboard</h1>
    <span class="status" data-testid="status">Loading…</span>
    <button type="button" id="forget" hidden>Forget token</button>
  </header>
  <div class="notice" data-testid="auth-message" hidden></div>
  <main id="cards" hidden>
    <section data-testid="pipeline-card">
      <h2>Open pipeline by stage</h2>
      <p class="subtitle" id="pipeline-subtitle"></p>
      <div class="chart"><canvas id="pipeline-chart" aria-label="Open deals and amount per stage" role="img"></canvas></div>
      <ul class="figures" id="pipeline-figures"></ul>
    </section>
    <section data-testid="funnel-card">
      <h2>Funnel</h2>
      <p class="subtitle">All time: leads by the furthest status reached, deals by the furthest stage reached</p>
      <div class="chart"><canvas id="funnel-chart" aria-label="Lead and deal funnel" role="img"></canvas></div>
      <ul class="figures" id="funnel-figures"></ul>
    </section>
    <section data-testid="revenue-card" class="wide">
      <h2>Won revenue and forecast</h2>
      <p class="subtitle" id="revenue-subtitle"></p>
      <div class="chart"><canvas id="revenue-chart" aria-label="Monthly won revenue with its forecast and 80 % and 95 % intervals" role="img"></canvas></div>
      <ul class="figures" id="revenue-figures"></ul>
    </section>
    <section data-testid="targets-card">
      <h2>Target attainment per owner</h2>
      <p class="subtitle" id="targets-subtitle"></p>
      <div class="chart"><canvas id="targets-chart" aria-label="Attainment and forecast attainment per owner" role="img"></canvas></div>
      <ul class="figures" id="targets-figures"></ul>
      <table id="targets-other" hidden><thead><tr><th>Team or manager</th><th>Period</th><th>Target</th><th>Achieved</th><th>Attainment</th></tr></thead><tbody></tbody></table>
    </section>
    <section data-testid="owners-card">
      <h2>Won revenue per owner</h2>
      <p class="subtitle" id="owners-subtitle"></p>
      <div class="chart"><canvas id="owners-chart" aria-label="Won revenue per owner" role="img"></canvas></div>
      <ul class="figures" id="owners-figures"></ul>
    </section>
  </main>
</div>
<script src="/dashboard/chart.js"></script>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

export const dashboardScript = String.raw`'use strict';
(() => {
  const tokenKey = 'crm-dashboard-token';
  const root = document.querySelector('[data-testid="dashboard"]');
  const status = document.querySelector('[data-testid="status"]');
  const authMessage = document.querySelector('[data-testid="auth-message"]');
  const cards = document.getElementById('cards');
  const forget = document.getElementById('forget');
  const palette = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

  class Unauthorized extends Error {}
  class Problem extends Error {}

  // The token comes in the fragment (never sent to a server, kept out of logs), is kept for this tab
  // only, and is taken out of the address bar so that it does not end up in the history.
  const readToken = () => {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(tokenKey, decodeURIComponent(match[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(tokenKey);
  };

  const showAuthMessage = (state, text) => {
    root.dataset.state = state;
    status.textContent = state === 'no-token' ? 'No token' : 'Not authorised';
    authMessage.hidden = false;
    authMessage.replaceChildren();
    const lines = [text, 'Open this page as /dashboard#token=<token>, with a bearer token of the tenant to show: the embedded app writes one to .data/dev-token at start-up, and npm run token mints another.'];
    for (const line of lines) {
      const p = document.createElement('p');
      p.textContent = line;
      authMessage.append(p);
    }
    cards.hidden = true;
  };

  const api = async (path, token) => {
    const response = await fetch(path, { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } });
    if (response.status === 401) throw new Unauthorized();
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Problem((body && (body.detail || body.title)) || response.status + ' ' + response.statusText);
    return body;
  };

  // --- formatting: the same rules the end-to-end test applies to the APIs' answers ---

  const amount = (value) => Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const count = (value) => Number(value).toLocaleString('en-US');
  const percent = (value) => (value === null || value === undefined ? 'n/a' : Number(value).toFixed(1) + ' %');
  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

  const figure = (list, testId, label, text, value) => {
    const item = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'label';
    name.textContent = label;
    const shown = document.createElement('span');
    shown.dataset.testid = testId;
    shown.dataset.value = String(value);
    shown.textContent = text;
    item.append(name, shown);
    list.append(item);
  };

  const problem = (list, testId, message) => {
    const item = document.createElement('li');
    item.className = 'problem';
    item.dataset.testid = testId;
    item.textContent = message;
    list.append(item);
  };

  const chart = (id, config) => {
    const canvas = document.getElementById(id);
    // Drawn at once, without animation: what is on the canvas is final when the page says ready.
    return new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  };

  // --- the cards ---

  const renderPipeline = (asOf, funnel, today) => {
    const list = document.getElementById('pipeline-figures');
    document.getElementById('pipeline-subtitle').textContent = 'As of the end of ' + today + ' (UTC)';
    const main = [...asOf.totals].sort((a, b) => b.deals - a.deals)[0];
    const currency = main ? main.currency : null;
    // The tenant's stage order, as the funnel lists it; stages no longer in the pipeline go last.
    const order = funnel ? funnel.pipeline.steps.map((step) => step.step).filter((step) => step !== 'opened' && step !== 'won') : [];
    const stages = [...new Set([...order.filter((stage) => asOf.byStage.some((row) => row.stage === stage)), ...asOf.byStage.map((row) => row.stage)])];
    const deals = stages.map((stage) => asOf.byStage.filter((row) => row.stage === stage).reduce((sum, row) => sum + row.deals, 0));
    const amounts = stages.map((stage) => Number((asOf.byStage.find((row) => row.stage === stage && row.currency === currency) || { amount: 0 }).amount));
    chart('pipeline-chart', {
      type: 'bar',
      data: {
        labels: stages,
        datasets: [
          { label: 'Open deals', data: deals, backgroundColor: palette[0], yAxisID: 'deals' },
          { label: 'Amount' + (currency ? ' (' + currency + ')' : ''), data: amounts, backgroundColor: palette[1], yAxisID: 'amount' },
        ],
      },
      options: { scales: { deals: { position: 'left', beginAtZero: true, title: { display: true, text: 'deals' } }, amount: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } } },
    });
    stages.forEach((stage, index) => figure(list, 'pipeline-deals-' + slug(stage), stage + ':', count(deals[index]) + ' deals', deals[index]));
    const total = asOf.totals.reduce((sum, row) => sum + row.deals, 0);
    figure(list, 'pipeline-open-deals', 'Open deals:', count(total), total);
    for (const row of asOf.totals) {
      figure(list, 'pipeline-amount-' + slug(row.currency), 'Open ' + row.currency + ':', amount(row.amount), row.amount);
      figure(list, 'pipeline-weighted-' + slug(row.currency), 'Weighted ' + row.currency + ':', amount(row.weighted), row.weighted);
    }
  };

  const renderFunnel = (funnel) => {
    const list = document.getElementById('funnel-figures');
    const leads = funnel.leads.steps;
    const deals = funnel.pipeline.steps;
    chart('funnel-chart', {
      type: 'bar',
      data: {
        labels: [...leads.map((step) => 'lead ' + step.step), ...deals.map((step) => 'deal ' + step.step)],
        datasets: [
          {
            label: 'Reached',
            data: [...leads.map((step) => step.count), ...deals.map((step) => step.count)],
            backgroundColor: [...leads.map(() => palette[4]), ...deals.map(() => palette[0])],
          },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
    for (const step of leads) figure(list, 'funnel-leads-' + slug(step.step), 'Leads ' + step.step + ':', count(step.count), step.count);
    for (const step of deals) figure(list, 'funnel-deals-' + slug(step.step), 'Deals ' + step.step + ':', count(step.count), step.count);
    const won = deals[deals.length - 1];
    figure(list, 'funnel-win-share', 'Opened → won:', percent(won.conversionFromFirst === null ? null : won.conversionFromFirst * 100), won.conversionFromFirst);
  };

  const renderRevenue = (forecast) => {
    const list = document.getElementById('revenue-figures');
    const group = forecast.groups[0];
    const history = group.history;
    const ahead = group.forecast;
    document.getElementById('revenue-subtitle').textContent =
      'Monthly, in ' + forecast.currency + '; model ' + group.model + (group.seasonalPeriod > 1 ? ' (season of ' + group.seasonalPeriod + ')' : '') + ', chosen by backtest; shaded: 80 % and 95 % intervals';
    const labels = [...history.map((row) => row.period), ...ahead.map((row) => row.period)];
    const pad = (values) => [...history.map(() => null), ...values];
    const last = history[history.length - 1];
    // The forecast line starts at the last actual month, so that the two lines join.
    const joined = (field) => [...history.slice(0, -1).map(() => null), Number(last.amount), ...ahead.map((row) => Number(row[field]))];
    chart('revenue-chart', {
      type: 'line',
      data: {
        labels,
        datasets: [
          // Each band is filled from its upper bound down to the dataset before it, its lower bound.
          { label: '95 % lower bound', data: pad(ahead.map((row) => Number(row.lower95))), borderWidth: 0, pointRadius: 0, fill: false },
          { label: '95 % interval', data: pad(ahead.map((row) => Number(row.upper95))), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(37, 99, 235, 0.12)' },
          { label: '80 % lower bound', data: pad(ahead.map((row) => Number(row.lower80))), borderWidth: 0, pointRadius: 0, fill: false },
          { label: '80 % interval', data: pad(ahead.map((row) => Number(row.upper80))), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(37, 99, 235, 0.25)' },
          { label: 'Won revenue', data: [...history.map((row) => Number(row.amount)), ...ahead.map(() => null)], borderColor: palette[1], backgroundColor: palette[1], cubicInterpolationMode: 'monotone' },
          { label: 'Forecast', data: joined('amount'), borderColor: palette[0], backgroundColor: palette[0], borderDash: [6, 4], cubicInterpolationMode: 'monotone' },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { labels: { filter: (item) => !/lower bound/.test(item.text) } } },
        // Revenue is not negative, whatever a symmetric interval's lower bound says (the figures below do).
        scales: { y: { min: 0, title: { display: true, text: forecast.currency } } },
      },
    });
    figure(list, 'revenue-last-month', 'Won in ' + last.period + ':', amount(last.amount) + ' ' + forecast.currency, last.amount);
    const next = ahead[0];
    figure(list, 'revenue-next-forecast', 'Forecast ' + next.period + ':', amount(next.amount) + ' ' + forecast.currency, next.amount);
    figure(list, 'revenue-next-interval80', '80 %:', amount(next.lower80) + ' – ' + amount(next.upper80), next.lower80 + '/' + next.upper80);
    figure(list, 'revenue-next-interval95', '95 %:', amount(next.lower95) + ' – ' + amount(next.upper95), next.lower95 + '/' + next.upper95);
    figure(list, 'revenue-model', 'Model:', group.model, group.model);
  };

  const renderTargets = (owned, others) => {
    const list = document.getElementById('targets-figures');
    document.getElementById('targets-subtitle').textContent = owned.length
      ? 'Won revenue against each owner’s target for ' + owned[0].period + ', and with the probability-weighted deals expected to close by its end'
      : 'No owner has a target this quarter or this month';
    if (owned.length) {
      chart('targets-chart', {
        type: 'bar',
        data: {
          labels: owned.map((target) => target.scopeId),
          datasets: [
            { label: 'Attainment %', data: owned.map((target) => target.attainmentPercent), backgroundColor: owned.map((target) => (target.attainmentPercent >= 100 ? palette[1] : palette[0])) },
            { label: 'Forecast attainment %', data: owned.map((target) => target.forecastAttainmentPercent), backgroundColor: 'rgba(124, 58, 237, 0.45)' },
          ],
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: '% of target' } } } },
      });
    }
    for (const target of owned) figure(list, 'attainment-owner-' + slug(target.scopeId), target.scopeId + ':', percent(target.attainmentPercent), target.attainmentPercent);
    const table = document.getElementById('targets-other');
    const body = table.querySelector('tbody');
    for (const target of others) {
      const row = document.createElement('tr');
      const cells = [target.scope + ' ' + target.scopeId, target.period, amount(target.target) + ' ' + target.currency, amount(target.achieved), percent(target.attainmentPercent)];
      for (const text of cells) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      row.lastChild.dataset.testid = 'attainment-' + slug(target.scope) + '-' + slug(target.scopeId) + '-' + slug(target.period);
      row.lastChild.dataset.value = String(target.attainmentPercent);
      body.append(row);
    }
    table.hidden = others.length === 0;
  };

  const renderOwners = (report, period) => {
    const list = document.getElementById('owners-figures');
    const currency = report.rankedBy ? report.rankedBy.wonRevenueIn : null;
    document.getElementById('owners-subtitle').textContent = 'Deals won in ' + period + (currency ? ', in ' + currency : '') + ', ranked';
    const wonIn = (owner) => (owner.wonRevenue.find((entry) => entry.currency === currency) || { amount: '0.00' }).amount;
    chart('owners-chart', {
      type: 'bar',
      data: { labels: report.owners.map((owner) => owner.ownerId), datasets: [{ label: 'Won revenue' + (currency ? ' (' + currency + ')' : ''), data: report.owners.map((owner) => Number(wonIn(owner))), backgroundColor: palette[1] }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    });
    for (const owner of report.owners) figure(list, 'owner-won-' + slug(owner.ownerId), owner.ownerId + ':', amount(wonIn(owner)) + ' (' + count(owner.wonCount) + ' won)', wonIn(owner));
  };

  // Each card draws from its own answer: one that fails says why and leaves the others be.
  const card = (listId, testId, render) => {
    try {
      render();
    } catch (error) {
      problem(document.getElementById(listId), testId, error.message);
    }
  };

  const load = async (token) => {
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    const quarter = now.getUTCFullYear() + '-Q' + (Math.floor(now.getUTCMonth() / 3) + 1);
    const get = (path) => api(path, token);
    const answers = await Promise.allSettled([
      get('/analytics/pipeline/as-of?date=' + today + '&limit=1'),
      get('/analytics/funnel'),
      get('/analytics/forecast/revenue?model=auto&horizon=6'),
      get('/analytics/targets?period=' + quarter),
      get('/analytics/targets?period=' + month),
    ]);
    if (answers.some((answer) => answer.status === 'rejected' && answer.reason instanceof Unauthorized)) throw new Unauthorized();
    const [asOf, funnel, forecast, quarterTargets, monthTargets] = answers;
    const value = (answer) => {
      if (answer.status === 'rejected') throw answer.reason;
      return answer.value;
    };
    // Owner targets of the quarter, else of the month (targets are often set monthly per owner).
    const targetsOf = (answer) => (answer.status === 'fulfilled' ? answer.value.targets : []);
    const quarterOwned = targetsOf(quarterTargets).filter((target) => target.scope === 'owner');
    const owned = quarterOwned.length ? quarterOwned : targetsOf(monthTargets).filter((target) => target.scope === 'owner');
    const period = owned.length ? owned[0].period : quarter;
    const owners = await get('/analytics/reports/owners?period=' + period).then(
      (report) => ({ status: 'fulfilled', value: report }),
      (reason) => ({ status: 'rejected', reason }),
    );
    if (owners.status === 'rejected' && owners.reason instanceof Unauthorized) throw new Unauthorized();

    cards.hidden = false;
    card('pipeline-figures', 'pipeline-problem', () => renderPipeline(value(asOf), funnel.status === 'fulfilled' ? funnel.value : null, today));
    card('funnel-figures', 'funnel-problem', () => renderFunnel(value(funnel)));
    card('revenue-figures', 'revenue-problem', () => renderRevenue(value(forecast)));
    card('targets-figures', 'targets-problem', () => {
      for (const answer of [quarterTargets, monthTargets]) value(answer);
      const others = [...targetsOf(quarterTargets), ...targetsOf(monthTargets)].filter((target) => target.scope !== 'owner');
      renderTargets(owned, others);
    });
    card('owners-figures', 'owners-problem', () => renderOwners(value(owners), period));
    status.textContent = 'Updated ' + now.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    forget.hidden = false;
    root.dataset.state = 'ready';
  };

  forget.addEventListener('click', () => {
    sessionStorage.removeItem(tokenKey);
    location.reload();
  });

  const token = readToken();
  if (!token) {
    showAuthMessage('no-token', 'There is no token: the analytics APIs this page reads need one.');
    return;
  }
  load(token).catch((error) => {
    if (error instanceof Unauthorized) {
      sessionStorage.removeItem(tokenKey);
      showAuthMessage('unauthorized', 'The token was refused (401): it is expired, malformed or signed with another secret.');
      return;
    }
    root.dataset.state = 'error';
    status.textContent = 'Could not load the dashboard: ' + error.message;
  });
})();
`;
