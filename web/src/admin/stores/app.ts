import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

const KEY = 'fangyi.sidebarCollapsed'

export const useAppStore = defineStore('app', () => {
  const collapsed = ref(localStorage.getItem(KEY) === '1')
  watch(collapsed, (v) => localStorage.setItem(KEY, v ? '1' : '0'))
  function toggleSidebar() {
    collapsed.value = !collapsed.value
  }
  return { collapsed, toggleSidebar }
})
