export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const USERNAME_RULE = 'username must be 3 to 32 characters of A-Z, a-z, 0-9, _ . -';
