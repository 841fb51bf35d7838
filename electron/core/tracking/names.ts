import { randomInt } from 'node:crypto';

// MLflow-style generated run names ("bright-fox-123").
const ADJECTIVES = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fair', 'gentle', 'glad', 'grand', 'keen', 'kind', 'lucky', 'merry', 'neat', 'nimble', 'polite', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'shy', 'smart', 'sunny', 'swift', 'tidy', 'vast', 'warm', 'wise', 'zesty'];
const NOUNS = ['ant', 'bat', 'bear', 'bee', 'crab', 'crow', 'deer', 'dove', 'eel', 'elk', 'finch', 'fox', 'frog', 'goat', 'hare', 'hawk', 'ibis', 'jay', 'koi', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl', 'ram', 'seal', 'shrew', 'snail', 'swan', 'toad', 'trout', 'wasp', 'wolf', 'wren', 'yak'];

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
