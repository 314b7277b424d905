#ifndef A_H
#define A_H
int user(void);
#endif /* A_H */
