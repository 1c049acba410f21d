import { createRouter, createWebHistory } from 'vue-router'

export const router = createRouter({
  history: createWebHistory('/m/'),
  routes: [
    { path: '/', name: 'home', component: () => import('./views/HomeView.vue') },
    {
      path: '/book/:token',
      name: 'book',
      component: () => import('./views/BookView.vue'),
      props: true,
    },
    { path: '/query', name: 'query', component: () => import('./views/QueryView.vue') },
    { path: '/site', name: 'site', component: () => import('./views/SiteView.vue') },
    {
      path: '/site/login',
      name: 'site-login',
      component: () => import('./views/SiteLoginView.vue'),
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
  ],
  scrollBehavior: () => ({ top: 0 }),
})
