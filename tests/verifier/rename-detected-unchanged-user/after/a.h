#ifndef A_H
#define A_H
int count_items2(int n);
#endif
