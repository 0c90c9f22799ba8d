package synth

// A part of a person's name: how it is displayed, and its ASCII form for user names.
type part struct{ text, ascii string }

func parts(pairs ...string) []part {
	p := make([]part, len(pairs)/2)
	for i := range p {
		p[i] = part{pairs[2*i], pairs[2*i+1]}
	}
	return p
}

func same(names ...string) []part {
	p := make([]part, len(names))
	for i, n := range names {
		p[i] = part{n, lowerASCII(n)}
	}
	return p
}

// lowerASCII keeps the letters and digits of an ASCII name, lower-cased ("O'Brien" → "obrien").
func lowerASCII(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return string(b)
}

// culture is a naming tradition: who comes first, and whether there is a middle name.
type culture struct {
	given, family, middle []part
	familyFirst           bool // "Nguyễn Văn Anh", "王伟"
	noSpace               bool // CJK names are written without a space
}

// cultures and their weights roughly follow where Kaggle's users come from.
var cultureWeights = []uint32{22, 24, 8, 5, 5, 3, 2, 8, 5, 3, 6, 2, 2, 5}

func newCultures() []culture {
	english := culture{
		given: same("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
			"William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
			"Thomas", "Sarah", "Chris", "Karen", "Daniel", "Emily", "Matthew", "Olivia", "Anthony",
			"Emma", "Mark", "Sophia", "Paul", "Grace", "Andrew", "Chloe", "Joshua", "Hannah",
			"Ryan", "Abigail", "Kevin", "Megan", "Brian", "Rachel", "Jacob", "Lauren", "Ethan",
			"Zoe", "Noah", "Ava", "Liam", "Mia", "Lucas", "Ella", "Jack", "Amelia", "Sean", "Kate"),
		family: same("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
			"Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
			"White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
			"Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell",
			"Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
			"Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
			"O'Brien", "O'Connor", "McDonald", "Kelly", "Hughes", "Fisher", "Graham", "Hamner"),
	}
	indian := culture{
		given: same("Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Krishna",
			"Ishaan", "Rohan", "Rahul", "Amit", "Priya", "Ananya", "Diya", "Saanvi", "Aadhya",
			"Pooja", "Neha", "Sneha", "Kavya", "Shreya", "Rajesh", "Suresh", "Ramesh", "Vikram",
			"Siddharth", "Karthik", "Abhishek", "Ankit", "Deepak", "Manish", "Nikhil", "Pranav",
			"Harsh", "Yash", "Tanvi", "Meera", "Lakshmi", "Divya", "Aishwarya", "Gaurav", "Varun",
			"Akash", "Ravi", "Sandeep", "Anjali", "Swati", "Nisha", "Sunita", "Arun", "Vijay"),
		family: same("Sharma", "Verma", "Gupta", "Singh", "Kumar", "Patel", "Shah", "Mehta",
			"Reddy", "Rao", "Nair", "Iyer", "Menon", "Pillai", "Das", "Bose", "Chatterjee",
			"Banerjee", "Mukherjee", "Ghosh", "Joshi", "Kulkarni", "Deshpande", "Jain", "Agarwal",
			"Bhat", "Chauhan", "Yadav", "Mishra", "Pandey", "Tiwari", "Saxena", "Malhotra",
			"Kapoor", "Khanna", "Arora", "Sinha", "Srivastava", "Naidu", "Krishnan"),
	}
	vietnamese := culture{
		family: parts("Nguyễn", "nguyen", "Trần", "tran", "Lê", "le", "Phạm", "pham",
			"Hoàng", "hoang", "Huỳnh", "huynh", "Phan", "phan", "Vũ", "vu", "Võ", "vo",
			"Đặng", "dang", "Bùi", "bui", "Đỗ", "do", "Hồ", "ho", "Ngô", "ngo", "Dương", "duong",
			"Lý", "ly"),
		middle: parts("Văn", "van", "Thị", "thi", "Hữu", "huu", "Đức", "duc", "Minh", "minh",
			"Ngọc", "ngoc", "Thanh", "thanh", "Quốc", "quoc", "Xuân", "xuan", "Gia", "gia"),
		given: parts("Anh", "anh", "Bích", "bich", "Dũng", "dung", "Hùng", "hung", "Hương", "huong",
			"Lan", "lan", "Linh", "linh", "Long", "long", "Mai", "mai", "Nam", "nam",
			"Phương", "phuong", "Quân", "quan", "Sơn", "son", "Thảo", "thao", "Trang", "trang",
			"Tuấn", "tuan", "Việt", "viet", "Yến", "yen", "Khoa", "khoa", "Hiếu", "hieu",
			"Đạt", "dat", "Thắng", "thang", "Huy", "huy", "Nhung", "nhung", "Hà", "ha"),
		familyFirst: true,
	}
	chineseHan := culture{
		family: parts("王", "wang", "李", "li", "张", "zhang", "刘", "liu", "陈", "chen",
			"杨", "yang", "黄", "huang", "赵", "zhao", "吴", "wu", "周", "zhou", "徐", "xu",
			"孙", "sun", "马", "ma", "朱", "zhu", "胡", "hu", "郭", "guo"),
		given: parts("伟", "wei", "芳", "fang", "娜", "na", "敏", "min", "静", "jing", "磊", "lei",
			"洋", "yang", "艳", "yan", "勇", "yong", "军", "jun", "杰", "jie", "涛", "tao",
			"明", "ming", "超", "chao", "秀英", "xiuying", "晓明", "xiaoming", "子涵", "zihan",
			"浩然", "haoran", "欣怡", "xinyi", "宇轩", "yuxuan"),
		familyFirst: true,
		noSpace:     true,
	}
	chineseLatin := culture{
		given: same("Wei", "Fang", "Min", "Jing", "Lei", "Yang", "Yan", "Yong", "Jun", "Jie",
			"Tao", "Ming", "Chao", "Xiaoming", "Zihan", "Haoran", "Xinyi", "Yuxuan", "Hao", "Yu"),
		family: same("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
			"Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "Lin", "He", "Gao", "Luo"),
	}
	russianCyr := culture{
		given: parts("Иван", "ivan", "Алексей", "alexey", "Дмитрий", "dmitry", "Сергей", "sergey",
			"Андрей", "andrey", "Михаил", "mikhail", "Никита", "nikita", "Ольга", "olga",
			"Анна", "anna", "Мария", "maria", "Екатерина", "ekaterina", "Наталья", "natalia",
			"Татьяна", "tatiana", "Павел", "pavel", "Артём", "artem", "Юлия", "yulia"),
		family: parts("Иванов", "ivanov", "Смирнов", "smirnov", "Кузнецов", "kuznetsov",
			"Попов", "popov", "Васильев", "vasiliev", "Петров", "petrov", "Соколов", "sokolov",
			"Михайлов", "mikhailov", "Новиков", "novikov", "Фёдоров", "fedorov",
			"Морозов", "morozov", "Волков", "volkov", "Лебедев", "lebedev", "Козлов", "kozlov"),
	}
	russianLatin := culture{
		given: same("Ivan", "Alexey", "Dmitry", "Sergey", "Andrey", "Mikhail", "Nikita", "Olga",
			"Anna", "Maria", "Ekaterina", "Natalia", "Pavel", "Artem", "Yulia", "Oleksandr"),
		family: same("Ivanov", "Smirnov", "Kuznetsov", "Popov", "Petrov", "Sokolov", "Volkov",
			"Lebedev", "Kozlov", "Novikov", "Shevchenko", "Kovalenko", "Bondarenko"),
	}
	iberian := culture{
		given: parts("José", "jose", "María", "maria", "João", "joao", "Sebastián", "sebastian",
			"Andrés", "andres", "Lucía", "lucia", "Camila", "camila", "Mateo", "mateo",
			"Valentina", "valentina", "Gabriel", "gabriel", "Inês", "ines", "Martín", "martin",
			"Sofía", "sofia", "Diego", "diego", "Ramón", "ramon", "Joaquín", "joaquin",
			"Beatriz", "beatriz", "Gonçalo", "goncalo", "Fernanda", "fernanda", "Luis", "luis"),
		family: parts("García", "garcia", "Rodríguez", "rodriguez", "Martínez", "martinez",
			"López", "lopez", "González", "gonzalez", "Pérez", "perez", "Sánchez", "sanchez",
			"Gómez", "gomez", "Fernández", "fernandez", "Díaz", "diaz", "Silva", "silva",
			"Santos", "santos", "Oliveira", "oliveira", "Souza", "souza", "Conceição", "conceicao",
			"Muñoz", "munoz", "Peña", "pena", "Ibáñez", "ibanez", "Castro", "castro"),
	}
	european := culture{
		given: parts("François", "francois", "Jürgen", "jurgen", "Zoë", "zoe", "Chloé", "chloe",
			"Hélène", "helene", "Björn", "bjorn", "Søren", "soren", "Łukasz", "lukasz",
			"Jiří", "jiri", "Ágnes", "agnes", "Émile", "emile", "Lars", "lars", "Pierre", "pierre",
			"Marco", "marco", "Giulia", "giulia", "Anja", "anja", "Felix", "felix", "Lena", "lena"),
		family: parts("Müller", "muller", "Schröder", "schroder", "Lefèvre", "lefevre",
			"Dubois", "dubois", "Nowak", "nowak", "Kowalski", "kowalski", "Novák", "novak",
			"Jørgensen", "jorgensen", "Öztürk", "ozturk", "Rossi", "rossi", "Bianchi", "bianchi",
			"Weiß", "weiss", "Fischer", "fischer", "Janssen", "janssen", "de Vries", "devries",
			"Kovačević", "kovacevic", "Horváth", "horvath"),
	}
	japanese := culture{
		given: same("Takeshi", "Hiroshi", "Yuki", "Haruto", "Sakura", "Yui", "Kenji", "Aiko",
			"Daiki", "Ren", "Sota", "Hina", "Kaito", "Riko", "Shota", "Mei"),
		family: same("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
			"Nakamura", "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto"),
	}
	africanMiddleEast := culture{
		given: parts("Ahmed", "ahmed", "Mohamed", "mohamed", "Fatima", "fatima", "Omar", "omar",
			"Aisha", "aisha", "Chinedu", "chinedu", "Ngozi", "ngozi", "Oluwaseun", "oluwaseun",
			"Kwame", "kwame", "Amina", "amina", "Yusuf", "yusuf", "Mehmet", "mehmet",
			"Ayşe", "ayse", "Emre", "emre", "Zeynep", "zeynep", "Tendai", "tendai",
			"Wanjiru", "wanjiru", "Abdullah", "abdullah", "Layla", "layla", "Hassan", "hassan"),
		family: parts("Hassan", "hassan", "Ali", "ali", "Ibrahim", "ibrahim", "Mahmoud", "mahmoud",
			"Okafor", "okafor", "Adeyemi", "adeyemi", "Mensah", "mensah", "Mwangi", "mwangi",
			"Yılmaz", "yilmaz", "Kaya", "kaya", "Demir", "demir", "Şahin", "sahin",
			"Abdullahi", "abdullahi", "Osei", "osei", "Khan", "khan", "Hussain", "hussain",
			"Rahman", "rahman", "Haddad", "haddad"),
	}
	koreanHan := culture{
		family: parts("김", "kim", "이", "lee", "박", "park", "최", "choi", "정", "jung", "강", "kang",
			"조", "cho", "윤", "yoon"),
		given: parts("민준", "minjun", "서연", "seoyeon", "지호", "jiho", "하은", "haeun",
			"도윤", "doyun", "지우", "jiwoo", "서준", "seojun", "수아", "sua"),
		familyFirst: true,
		noSpace:     true,
	}
	koreanLatin := culture{
		given:  same("Minjun", "Seoyeon", "Jiho", "Haeun", "Doyun", "Jiwoo", "Seojun", "Sua"),
		family: same("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
	}
	bangladeshPakistan := culture{
		given: same("Muhammad", "Abdul", "Ayesha", "Hamza", "Zainab", "Bilal", "Sana", "Usman",
			"Farhan", "Nusrat", "Tahmid", "Rafiq", "Shakil", "Mahmud", "Imran", "Sadia"),
		family: same("Rahman", "Hossain", "Islam", "Ahmed", "Chowdhury", "Akter", "Khan",
			"Malik", "Qureshi", "Siddiqui", "Butt", "Iqbal", "Hussain", "Raza"),
	}
	return []culture{english, indian, vietnamese, chineseHan, chineseLatin, russianCyr,
		russianLatin, iberian, european, japanese, africanMiddleEast, koreanHan, koreanLatin,
		bangladeshPakistan}
}

// nicknames appear inside display names as `First "Nick" Last`, exercising doubled quotes.
var nicknames = []string{"JJ", "Ace", "Doc", "Kai", "Bo", "Sunny", "Max", "Tiny"}

// person composes a display name and an ASCII user name (handle) into the two scratch buffers.
// A rename gives a new (display, handle) pair: both depend only on the name's rng.
func (w *world) person(r *rng, display, handle []byte) ([]byte, []byte) {
	c := &w.cultures[w.cultureW.pick(r)]
	fam := pick(r, c.family)
	giv := pick(r, c.given)
	var mid part
	hasMid := len(c.middle) > 0 && r.pct(85)
	if hasMid {
		mid = pick(r, c.middle)
	}
	style := r.intn(100)
	switch {
	case c.noSpace:
		display = append(display, fam.text...)
		display = append(display, giv.text...)
	case c.familyFirst:
		display = append(display, fam.text...)
		display = append(display, ' ')
		if hasMid {
			display = append(display, mid.text...)
			display = append(display, ' ')
		}
		display = append(display, giv.text...)
	case style < 3: // "Family, Given": a comma inside a text field
		display = append(display, fam.text...)
		display = append(display, ", "...)
		display = append(display, giv.text...)
	case style < 5: // a nickname in double quotes
		display = append(display, giv.text...)
		display = append(display, " \""...)
		display = append(display, pick(r, nicknames)...)
		display = append(display, "\" "...)
		display = append(display, fam.text...)
	case style < 13: // given name only
		display = append(display, giv.text...)
	case style < 16: // lower-case, as many people type it
		display = appendLowerASCIIWords(display, giv.text)
		display = append(display, ' ')
		display = appendLowerASCIIWords(display, fam.text)
	default:
		display = append(display, giv.text...)
		display = append(display, ' ')
		display = append(display, fam.text...)
	}

	switch h := r.intn(10); {
	case h < 4:
		handle = append(handle, giv.ascii...)
		handle = append(handle, fam.ascii...)
	case h < 6:
		handle = append(handle, giv.ascii[0])
		handle = append(handle, fam.ascii...)
	case h < 8:
		handle = append(handle, fam.ascii...)
		if hasMid {
			handle = append(handle, mid.ascii...)
		}
		handle = append(handle, giv.ascii...)
	default:
		handle = append(handle, giv.ascii...)
	}
	switch d := r.intn(10); {
	case d < 4:
		handle = appendUint(handle, uint64(r.between(1, 999)))
	case d < 6:
		handle = appendUint(handle, uint64(r.between(1980, 2008)))
	case d < 7:
		handle = appendUint(handle, uint64(r.between(1000, 99999)))
	}
	return display, handle
}

func appendLowerASCIIWords(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
