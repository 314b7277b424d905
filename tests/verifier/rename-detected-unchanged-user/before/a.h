#ifndef A_H
#define A_H
int count_items(int n);
#endif
