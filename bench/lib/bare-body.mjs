// The body of the bare routes: a JSON object the size of a user resource.
export const BARE_BODY = {
  id: '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a',
  email: 'bench@example.com',
  username: 'bench',
  name: null,
  role: 'user',
  isActive: true,
  emailVerified: false,
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
};
