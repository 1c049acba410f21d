import { computed, ref, type Ref } from 'vue'
import type { Page } from '@shared/api/types'
import { rowNumber } from '@admin/utils/batch'

export interface Paging {
  page: number
  pageSize: number
}

/**
 * State and actions of a paged list page (rows, total, pager, 搜索 / 重置).
 *
 * `fetcher` asks the server for one page and reads the page's filters itself. `filters` is the
 * page's flat, reactive filter object: `reset()` puts it back to the values it had at the start.
 * A failed request (already reported by the http layer) leaves an empty list.
 */
export function useListPage<T>(fetcher: (paging: Paging) => Promise<Page<T>>, filters?: object) {
  const initial = filters ? { ...filters } : null
  const rows = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(10)
  const loading = ref(false)
  /** Row number for the 序号 column across pages. */
  const indexOf = computed(() => rowNumber(page.value, pageSize.value))

  async function load() {
    loading.value = true
    try {
      const r = await fetcher({ page: page.value, pageSize: pageSize.value })
      rows.value = r.items ?? []
      total.value = r.total ?? 0
    } catch {
      rows.value = []
      total.value = 0
    } finally {
      loading.value = false
    }
  }

  /** Loads the first page (after the filters or the tree selection changed). */
  function search() {
    page.value = 1
    load()
  }

  function reset() {
    if (filters && initial) Object.assign(filters, initial)
    search()
  }

  /** Reloads after `n` rows of this page were deleted, stepping back if the page is now empty. */
  function reloadAfterRemove(n: number) {
    if (rows.value.length === n && page.value > 1) page.value--
    load()
  }

  return { rows, total, page, pageSize, loading, indexOf, load, search, reset, reloadAfterRemove }
}
