import { createRouter, createWebHistory, type Router } from 'vue-router'
import { useSession } from './stores/session'

// Every page is its own chunk; the administrator's pages (the form builder and
// its editors) load only when opened, keeping a cadre's first load small.
export function makeRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/login', component: () => import('./views/LoginView.vue') },
      { path: '/login/:provider(wecom|dingtalk)', component: () => import('./views/OAuthView.vue') },
      { path: '/password', component: () => import('./views/PasswordView.vue') },
      // 公开承诺: open to anyone, no session.
      { path: '/p/:slug', component: () => import('./views/PublicBoardView.vue') },
      {
        path: '/',
        component: () => import('./views/TabsLayout.vue'),
        // The office lands on its statistics; everyone else on what they owe.
        redirect: () => (useSession().user?.roles.includes('office') ? '/stats' : '/todo'),
        children: [
          { path: 'stats', component: () => import('./views/StatsView.vue') },
          { path: 'todo', component: () => import('./views/TodoView.vue') },
          { path: 'fill', component: () => import('./views/FillListView.vue') },
          { path: 'review', component: () => import('./views/ReviewView.vue') },
          { path: 'messages', component: () => import('./views/MessagesView.vue') },
          { path: 'me', component: () => import('./views/MeView.vue') },
        ],
      },
      { path: '/fill/:formId', component: () => import('./views/FillView.vue') },
      { path: '/entries/:id', component: () => import('./views/EntryView.vue') },
      { path: '/mine', component: () => import('./views/MyEntriesView.vue') },
      { path: '/outbox', component: () => import('./views/OutboxView.vue') },
      { path: '/stats/compliance', component: () => import('./views/ComplianceView.vue') },
      { path: '/stats/obligations', component: () => import('./views/ObligationsView.vue') },
      { path: '/mine/rounds', component: () => import('./views/MyRoundsView.vue') },
      { path: '/office', component: () => import('./views/OfficeView.vue') },
      { path: '/office/import', component: () => import('./views/ImportView.vue') },
      { path: '/audit', component: () => import('./views/AuditView.vue') },
      { path: '/admin', component: () => import('./admin/AdminView.vue') },
      { path: '/admin/forms/:id', component: () => import('./admin/FormBuilderView.vue') },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  })
  // Every page but the login needs a session; a password set by an
  // administrator must be changed before anything else.
  router.beforeEach((to) => {
    const session = useSession()
    if (to.path.startsWith('/p/')) return // the public board
    if (!to.path.startsWith('/login') && !session.signedIn) return '/login'
    if (to.path !== '/password' && !to.path.startsWith('/login') && session.user?.mustChangePassword) return '/password'
  })
  return router
}
