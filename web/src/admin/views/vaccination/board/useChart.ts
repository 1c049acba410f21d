/**
 * ECharts imported piece by piece (echarts/core) so that the bundle holds only the bar and
 * line charts and the components the leaderboard uses.
 */
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue'
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type {
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components'

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  CanvasRenderer,
])

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
>

/** One chart in `el`: init on mount, resize with its box, dispose on unmount. */
export function useChart(el: Ref<HTMLElement | undefined>) {
  const chart = shallowRef<echarts.ECharts | null>(null)
  let ro: ResizeObserver | null = null

  onMounted(() => {
    if (!el.value) return
    chart.value = echarts.init(el.value, undefined, { renderer: 'canvas' })
    ro = new ResizeObserver(() => chart.value?.resize())
    ro.observe(el.value)
  })

  onBeforeUnmount(() => {
    ro?.disconnect()
    chart.value?.dispose()
    chart.value = null
  })

  function set(option: ChartOption) {
    chart.value?.setOption(option, true)
  }

  return { chart, set }
}
