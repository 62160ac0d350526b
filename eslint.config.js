// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'docs/api/', 'node_modules/', 'coverage/', 'tmp-local/', 'test-artifacts/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests and a few total-by-design actions assert non-null after an explicit check.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The inspector page renders agent-provided text: it must never parse strings as HTML.
    files: ['inspector/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Render text with textContent (dom.ts el/svg).' },
        { property: 'outerHTML', message: 'Render text with textContent (dom.ts el/svg).' },
        { property: 'insertAdjacentHTML', message: 'Render text with textContent (dom.ts el/svg).' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='write'][callee.object.name='document']",
          message: 'No document.write.',
        },
      ],
    },
  },
);
