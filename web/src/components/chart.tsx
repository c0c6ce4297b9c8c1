import { useEffect, useRef } from 'react';
import { init, use, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

// Only the charts the console draws, so the lazily loaded analytics chunk stays small.
use([BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

/** What a click on a chart element tells the page: the series' kind and the element's data. */
export interface ChartClick {
  seriesType: string;
  name: string;
  dataType?: string;
  data: unknown;
  dataIndex: number;
}

/**
 * An ECharts chart that follows its container's size. `label` describes it for screen readers; pages
 * also show the numbers as a table beside it.
 */
export function Chart({ option, height, label, onClick }: { option: EChartsCoreOption; height: number; label: string; onClick?: (click: ChartClick) => void }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const clickHandler = useRef(onClick);
  clickHandler.current = onClick;

  useEffect(() => {
    const instance = init(element.current!, undefined, { renderer: 'svg' });
    chart.current = instance;
    instance.on('click', (params) => clickHandler.current?.(params as unknown as ChartClick));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element.current!);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // No entry animation: the numbers are there at once, and a screenshot shows the finished chart.
    chart.current?.setOption({ animation: false, ...option }, true);
  }, [option]);

  return <div ref={element} className="chart" style={{ height }} role="img" aria-label={label} />;
}
