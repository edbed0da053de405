// ECharts, only the parts the report pages draw: bars, lines and pies on a
// canvas, with tooltips and the ARIA description. Imported by Chart.vue with
// import(), so it loads with the report pages and never with a cadre's first
// screen.
import { init, use } from 'echarts/core'
import { BarChart, LineChart, PieChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, PieChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export { init }
