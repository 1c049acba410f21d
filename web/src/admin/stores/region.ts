import { defineStore } from 'pinia'
import { ref } from 'vue'
import { regionApi } from '@admin/api'
import type { Id, RegionNode } from '@shared/api/types'

/** Cached region tree (the account's subtree), shared by pages and tree-selects. */
export const useRegionStore = defineStore('region', () => {
  const tree = ref<RegionNode[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  let pending: Promise<RegionNode[]> | null = null

  async function load(force = false): Promise<RegionNode[]> {
    if (loaded.value && !force) return tree.value
    if (pending) return pending
    loading.value = true
    pending = regionApi
      .tree()
      .then((r) => {
        tree.value = r.items ?? []
        loaded.value = true
        return tree.value
      })
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  function find(id: Id | null | undefined): RegionNode | null {
    if (id === null || id === undefined) return null
    const walk = (nodes: RegionNode[]): RegionNode | null => {
      for (const n of nodes) {
        if (String(n.id) === String(id)) return n
        const hit = walk(n.children ?? [])
        if (hit) return hit
      }
      return null
    }
    return walk(tree.value)
  }

  /** `pick` of each node from the root down to the node (inclusive); [] if it is not in the tree. */
  function path<K>(id: Id | null | undefined, pick: (n: RegionNode) => K): K[] {
    const out: K[] = []
    const walk = (nodes: RegionNode[]): boolean => {
      for (const n of nodes) {
        out.push(pick(n))
        if (String(n.id) === String(id) || walk(n.children ?? [])) return true
        out.pop()
      }
      return false
    }
    return walk(tree.value) ? out : []
  }

  /** Names from the root down to the node, e.g. ["某市", "某区", "某街道"]. */
  const pathNames = (id: Id | null | undefined) => path(id, (n) => n.name)

  /** Ids from the root down to the node (inclusive). */
  const pathIds = (id: Id | null | undefined) => path(id, (n) => n.id)

  function reset() {
    tree.value = []
    loaded.value = false
  }

  return { tree, loaded, loading, load, find, pathNames, pathIds, reset }
})
