import { describeAdapter } from '@nabla/backend-webgpu/browser';

// Says which backend the Train page's "auto" will pick here, without loading any model code.
const el = document.getElementById('home-backend')!;
describeAdapter()
  .then((a) => {
    el.textContent = a ? `WebGPU (${a.description || a.vendor || 'adapter'}${a.software ? ', a software adapter' : ''}) for training and the CPU backend for the small pages` : 'nabla’s CPU backend (this browser offers no WebGPU adapter)';
    document.body.dataset.ready = 'true';
  })
  .catch((e) => console.error(e));
