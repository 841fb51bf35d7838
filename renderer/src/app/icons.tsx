import type { SVGProps } from 'react';

/** Inline 16px stroke icons (no icon font, no external requests; CSP-friendly). */
type IconProps = SVGProps<SVGSVGElement>;

function Svg({ children, ...props }: IconProps) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...props}>
      {children}
    </svg>
  );
}

export type Icon = (props: IconProps) => React.JSX.Element;

export const FolderIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M1.75 4.25c0-.83.67-1.5 1.5-1.5h3l1.5 1.5h5c.83 0 1.5.67 1.5 1.5v6c0 .83-.67 1.5-1.5 1.5h-9.5c-.83 0-1.5-.67-1.5-1.5z" />
  </Svg>
);

export const SettingsIcon: Icon = (p) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="2" />
    <path d="M8 1.75v1.5M8 12.75v1.5M14.25 8h-1.5M3.25 8h-1.5M12.42 3.58l-1.06 1.06M4.64 11.36l-1.06 1.06M12.42 12.42l-1.06-1.06M4.64 4.64 3.58 3.58" />
  </Svg>
);

export const SunIcon: Icon = (p) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="3" />
    <path d="M8 1v1.5M8 13.5V15M15 8h-1.5M2.5 8H1M12.95 3.05l-1.06 1.06M4.11 11.89l-1.06 1.06M12.95 12.95l-1.06-1.06M4.11 4.11 3.05 3.05" />
  </Svg>
);

export const MoonIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M13.5 9.5A5.5 5.5 0 0 1 6.5 2.5a5.5 5.5 0 1 0 7 7z" />
  </Svg>
);

export const MonitorIcon: Icon = (p) => (
  <Svg {...p}>
    <rect x="1.75" y="2.5" width="12.5" height="8.5" rx="1.25" />
    <path d="M5.5 13.75h5M8 11v2.75" />
  </Svg>
);

export const KeyboardIcon: Icon = (p) => (
  <Svg {...p}>
    <rect x="1.25" y="3.75" width="13.5" height="8.5" rx="1.25" />
    <path d="M4 6.5h.01M6.5 6.5h.01M9 6.5h.01M11.5 6.5h.01M5 9.5h6" />
  </Svg>
);

export const PlusIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M8 3v10M3 8h10" />
  </Svg>
);

export const DownloadIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M8 2v8.5M4.5 7 8 10.5 11.5 7M2.5 13.5h11" />
  </Svg>
);

export const SparkIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M8 1.5 9.4 6.6 14.5 8l-5.1 1.4L8 14.5 6.6 9.4 1.5 8l5.1-1.4z" />
  </Svg>
);

export const TrashIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M2.5 4h11M6 4V2.5h4V4M4 4l.75 9.5h6.5L12 4" />
  </Svg>
);

export const BranchIcon: Icon = (p) => (
  <Svg {...p}>
    <circle cx="4.5" cy="3.5" r="1.5" />
    <circle cx="4.5" cy="12.5" r="1.5" />
    <circle cx="11.5" cy="5" r="1.5" />
    <path d="M4.5 5v6M11.5 6.5c0 3-7 2-7 4.5" />
  </Svg>
);

export const RefreshIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M13.5 8A5.5 5.5 0 1 1 11.9 4.1M13.5 2v3h-3" />
  </Svg>
);

export const RunsIcon: Icon = (p) => (
  <Svg {...p}>
    <path d="M1.75 8.5h2.5l2-5 3.5 9 2-4h2.5" />
  </Svg>
);

export const DatabaseIcon: Icon = (p) => (
  <Svg {...p}>
    <ellipse cx="8" cy="3.75" rx="5.25" ry="2" />
    <path d="M2.75 3.75v8.5c0 1.1 2.35 2 5.25 2s5.25-.9 5.25-2v-8.5M2.75 8c0 1.1 2.35 2 5.25 2s5.25-.9 5.25-2" />
  </Svg>
);

export const CopyIcon: Icon = (p) => (
  <Svg {...p}>
    <rect x="5.25" y="5.25" width="8.5" height="8.5" rx="1.25" />
    <path d="M10.75 5.25v-2A1.5 1.5 0 0 0 9.25 1.75h-6a1.5 1.5 0 0 0-1.5 1.5v6a1.5 1.5 0 0 0 1.5 1.5h2" />
  </Svg>
);
