import { createRoot } from 'react-dom/client';
import { Viewer } from './Viewer';
import './viewer.css';

const theme: 'light' | 'dark' = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
document.documentElement.dataset.theme = theme;
createRoot(document.getElementById('root')!).render(<Viewer theme={theme} />);
