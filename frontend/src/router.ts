import { createRouter, createWebHistory, type Router } from 'vue-router'
import { useSession } from './stores/session'

export function makeRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/login', component: () => import('./views/LoginView.vue') },
      {
        path: '/',
        component: () => import('./views/TabsLayout.vue'),
        redirect: '/todo',
        children: [
          { path: 'todo', component: () => import('./views/TodoView.vue') },
          { path: 'me', component: () => import('./views/MeView.vue') },
        ],
      },
    ],
  })
  // Every page but the login needs a session.
  router.beforeEach((to) => {
    if (to.path !== '/login' && !useSession().signedIn) return '/login'
  })
  return router
}
