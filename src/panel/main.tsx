import { createRoot } from 'react-dom/client';

function App() {
  return <div>AckScope</div>;
}
createRoot(document.getElementById('root')!).render(<App />);
