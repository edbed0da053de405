import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'vant/lib/index.css'
import App from './App.vue'
import { makeRouter } from './router'

const app = createApp(App)
const router = makeRouter()
app.use(createPinia())
app.use(router)
app.mount('#app')

// A tapped notification opens its page in this window (the service worker
// asks; only paths of this app are followed).
navigator.serviceWorker?.addEventListener('message', (event) => {
  const path = event.data?.type === 'OPEN_PAGE' ? String(event.data.path ?? '') : ''
  if (path.startsWith('/') && !path.startsWith('//')) router.push(path)
})
