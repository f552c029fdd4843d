import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';

createApp(App).use(createPinia()).mount('#app');

// `npm run bench:ui` opens the page with ?bench.
if (new URLSearchParams(window.location.search).has('bench'))
  void import('./bench_hooks').then((m) => m.installBenchHooks());
