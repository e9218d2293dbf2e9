// The charts (recharts): loaded only with the pages that show them.
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { bytes } from '../format';

export interface Point {
  label: string;
  value: number;
}

const axis = { stroke: 'var(--muted)', fontSize: 11 };
const tooltipStyle = { background: 'var(--card)', border: '1px solid var(--border)', color: 'var(--fg)' };

export function BarsChart({ data, unit }: { data: Point[]; unit: 'bytes' | 'seconds' }): React.JSX.Element {
  const fmt = (v: number): string => (unit === 'bytes' ? bytes(v) : `${Math.round(v * 10) / 10} s`);
  return (
    <ResponsiveContainer width="100%" height={180}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="label" tick={axis} minTickGap={24} />
        <YAxis tick={axis} tickFormatter={fmt} width={70} />
        <Tooltip formatter={(v) => fmt(Number(v))} contentStyle={tooltipStyle} />
        <Bar dataKey="value" fill="var(--accent)" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function AreaSizeChart({ data }: { data: Point[] }): React.JSX.Element {
  return (
    <ResponsiveContainer width="100%" height={200}>
      <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="label" tick={axis} minTickGap={24} />
        <YAxis tick={axis} tickFormatter={(v: number) => bytes(v)} width={80} />
        <Tooltip formatter={(v) => bytes(Number(v))} contentStyle={tooltipStyle} />
        <Area dataKey="value" stroke="var(--accent)" fill="var(--accent-soft)" isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
