"""The places and names of the generated world: counties, school and district names, people, streets.

All fictional: schools are named for public figures or places, principals get common
Californian names, and addresses use real Los Angeles streets and zip codes (or generic ones).
"""
from __future__ import annotations

COUNTIES = [  # code, name, approximate share of the state's K-12 students
    ("01", "Alameda", 3.7), ("02", "Alpine", 0.01), ("03", "Amador", 0.07), ("04", "Butte", 0.5),
    ("05", "Calaveras", 0.1), ("06", "Colusa", 0.08), ("07", "Contra Costa", 3.0), ("08", "Del Norte", 0.07),
    ("09", "El Dorado", 0.5), ("10", "Fresno", 3.5), ("11", "Glenn", 0.1), ("12", "Humboldt", 0.3),
    ("13", "Imperial", 0.65), ("14", "Inyo", 0.05), ("15", "Kern", 3.3), ("16", "Kings", 0.5),
    ("17", "Lake", 0.15), ("18", "Lassen", 0.08), ("19", "Los Angeles", 23.5), ("20", "Madera", 0.55),
    ("21", "Marin", 0.55), ("22", "Mariposa", 0.03), ("23", "Mendocino", 0.2), ("24", "Merced", 1.0),
    ("25", "Modoc", 0.02), ("26", "Mono", 0.03), ("27", "Monterey", 1.3), ("28", "Napa", 0.3),
    ("29", "Nevada", 0.2), ("30", "Orange", 7.5), ("31", "Placer", 1.3), ("32", "Plumas", 0.03),
    ("33", "Riverside", 7.0), ("34", "Sacramento", 4.0), ("35", "San Benito", 0.2), ("36", "San Bernardino", 6.7),
    ("37", "San Diego", 8.0), ("38", "San Francisco", 1.0), ("39", "San Joaquin", 2.5), ("40", "San Luis Obispo", 0.55),
    ("41", "San Mateo", 1.5), ("42", "Santa Barbara", 1.1), ("43", "Santa Clara", 4.2), ("44", "Santa Cruz", 0.6),
    ("45", "Shasta", 0.45), ("46", "Sierra", 0.01), ("47", "Siskiyou", 0.1), ("48", "Solano", 1.1),
    ("49", "Sonoma", 1.2), ("50", "Stanislaus", 1.9), ("51", "Sutter", 0.35), ("52", "Tehama", 0.2),
    ("53", "Trinity", 0.03), ("54", "Tulare", 1.6), ("55", "Tuolumne", 0.12), ("56", "Ventura", 2.0),
    ("57", "Yolo", 0.5), ("58", "Yuba", 0.3),
]

# --------------------------------------------------------------------------------------------
# Name pools (fictional schools; namesakes are public figures or places)
# --------------------------------------------------------------------------------------------
PERSONS = [
    "César Chávez", "Dolores Huerta", "Sor Juana Inés de la Cruz", "Gabriela Mistral", "Tomás Rivera",
    "Rubén Salazar", "José Martí", "Frida Kahlo", "Octavio Paz", "Ellen Ochoa", "Sylvia Mendez",
    "Maya Angelou", "Mary McLeod Bethune", "Ida B. Wells", "Thurgood Marshall", "Rosa Parks",
    "Fred Korematsu", "Sally Ride", "Amelia Earhart", "George Washington Carver", "Langston Hughes",
    "John Muir", "Jackie Robinson", "Yuri Kochiyama", "Larry Itliong", "Mae Jemison", "Walt Whitman",
    "Abraham Lincoln", "Benjamin Franklin", "Harriet Tubman", "Martin Luther King Jr.", "Harvey Milk",
    "Edward R. Roybal", "Ritchie Valens", "Jaime Escalante", "Luis Valdez", "Celia Cruz",
    "Roberto Clemente", "Pablo Neruda", "Juan Rodríguez Cabrillo", "Gloria Anzaldúa", "Carlos Santana",
    "Mario Molina", "Ynez Mexía", "Josefina López", "Eleanor Roosevelt", "Frederick Douglass",
    "Booker T. Washington", "Sojourner Truth", "Dalip Singh Saund", "Patsy Mink", "Chien-Shiung Wu",
    "Daniel Inouye", "Ruth Asawa", "Isamu Noguchi", "Florence Nightingale", "Albert Einstein",
    "Marie Curie", "Carl Sagan", "Katherine Johnson", "Dorothy Vaughan", "Jesse Owens", "Wilma Rudolph",
    "Arthur Ashe", "Bernardo O'Higgins", "Simón Bolívar", "Benito Juárez", "Emiliano Zapata",
    "Joaquín Miller", "Jack London", "Mark Twain", "Robert Louis Stevenson", "Helen Keller",
    "Louisa May Alcott", "Pío Pico", "María Amparo Ruiz de Burton", "Bridget Mason", "Paul Robeson",
]
PLACES = [
    "Sierra Vista", "Vista del Mar", "Valle Verde", "Monte Alegre", "Los Robles", "Oak Park", "Sunrise",
    "Sunset", "Hillcrest", "Lakeview", "Riverside", "Pacific", "Harbor", "Canyon", "Mountain View",
    "Palm Grove", "Buena Vista", "La Paloma", "El Camino", "Mar Vista", "Loma Alta", "Rancho Verde",
    "San Gabriel", "Echo Park", "Arroyo Seco", "Cielito Lindo", "Los Álamos", "Las Flores", "El Sereno",
    "Valley View", "Crestwood", "Fairview", "Greenwood", "Maplewood", "Willow Glen", "Cypress Grove",
    "Sycamore", "Jacaranda", "Magnolia", "Bougainvillea", "Poinsettia", "Camellia", "Orchard",
    "Meadowbrook", "Brookside", "Parkside", "Lakeside", "Seaside", "Bayside", "Ocean View", "Golden Hill",
    "Cerritos", "Los Nietos", "Figueroa", "Vermont Avenue", "Western Avenue", "Hooper Avenue",
    "Florence Avenue", "Compton Avenue", "Main Street", "Broadway", "Central Avenue", "Alameda Street",
    "Normandie Avenue", "Manchester Avenue", "Slauson Avenue", "Gage Avenue", "Pico Boulevard",
    "Olympic Boulevard", "Sunset Boulevard", "Whittier Boulevard", "César E. Chávez Avenue", "La Brea",
    "Montebello Park", "Eastside", "Westside", "Northridge", "Southgate", "Dos Caminos", "Tres Pinos",
    "Ánimo Park", "Niños del Valle", "Piedra Blanca", "Agua Dulce", "Arboleda", "Rosewood", "Elmwood",
]
ORDINAL_STREETS = [f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} Street"
                   for n in range(1, 200)]
NAME_PREFIXES = PERSONS + PLACES + ORDINAL_STREETS
DISTRICT_WORDS_A = [
    "Alder", "Bear", "Cedar", "Clear", "Coyote", "Deer", "Eagle", "Elk", "Fair", "Fox", "Golden", "Green",
    "Hawk", "Maple", "Mill", "Oak", "Pine", "Quail", "Red", "Rock", "Sage", "Silver", "Spring", "Stone",
    "Sun", "Walnut", "Willow", "Cotton", "Sand", "Laurel", "Live Oak", "Cypress", "Sycamore", "Poplar",
    "Mesa", "Buena", "Palo", "Alta", "Bella", "Agua", "Loma", "Río", "Sierra", "Vista", "Arroyo", "Ocean",
    "Valle", "Cañada",
]
DISTRICT_WORDS_B = ["Creek", "Valley", "Ridge", "Hills", "Springs", "Grove", "Canyon", "Flat", "Meadow",
                    "Point", "View", "Park", "Lake", "River", "Bluff", "Glen", "Wood", "Field", "Brook",
                    "Crest", "Verde", "Linda", "Hermosa"]
FIRST_NAMES = [
    "José", "María", "Verónica", "Andrés", "Sofía", "Inés", "Ramón", "Jesús", "Héctor", "Mónica", "Raúl",
    "Ana", "Luis", "Carmen", "Jorge", "Patricia", "Miguel", "Rosa", "Alejandro", "Guadalupe", "Daniel",
    "Angélica", "Fernando", "Lucía", "Óscar", "Elena", "Ricardo", "Adriana", "Michael", "Jennifer", "David",
    "Lisa", "James", "Karen", "Robert", "Angela", "Kevin", "Michelle", "Brian", "Stephanie", "Jason",
    "Tiffany", "Darnell", "Keisha", "Marcus", "Tamika", "Andre", "Monique", "Jae", "Min-ji", "Sung",
    "Hye-jin", "Wei", "Mei", "Thanh", "Linh", "Rajesh", "Priya", "Maricel", "Jerome", "Rowena", "Noa",
    "Zoë", "Renée", "Chloé",
]
LAST_NAMES = [
    "Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Gómez", "Díaz", "Morales", "Jiménez", "Ortiz", "Castillo", "Romero", "Reyes",
    "Cruz", "Gutiérrez", "Chávez", "Ruiz", "Mendoza", "Vásquez", "Castañeda", "Núñez", "Ibáñez",
    "Nguyen", "Kim", "Lee", "Park", "Chen", "Wong", "Patel", "Santos", "Dela Cruz", "Johnson", "Williams",
    "Brown", "Jackson", "Smith", "Davis", "Washington", "Thompson", "Robinson", "Harris", "Walker",
    "O'Brien", "Miller", "Anderson", "Taylor", "Moore", "White", "Tran", "Yamamoto", "Nakamura",
]
LA_CITIES = [  # city, zip codes
    ("Los Angeles", ["90001", "90002", "90003", "90007", "90011", "90018", "90019", "90021", "90023", "90031",
                     "90033", "90037", "90043", "90044", "90047", "90057", "90058", "90059", "90061", "90062"]),
    ("South Gate", ["90280"]), ("Huntington Park", ["90255"]), ("Bell", ["90201"]), ("Maywood", ["90270"]),
    ("Lynwood", ["90262"]), ("Pacoima", ["91331"]), ("Sylmar", ["91342"]), ("Van Nuys", ["91405", "91406"]),
    ("North Hollywood", ["91601", "91605"]), ("Wilmington", ["90744"]), ("San Pedro", ["90731"]),
]
STREETS = ["S Main St", "E 52nd St", "W Florence Ave", "Compton Ave", "S Hooper Ave", "S Central Ave",
           "E Gage Ave", "S Vermont Ave", "W Slauson Ave", "S Figueroa St", "E Cesar E Chavez Ave", "Whittier Blvd",
           "S Western Ave", "W Manchester Ave", "N Broadway", "S Alameda St", "Pacific Blvd", "Mission Rd",
           "Evergreen Ave", "Soto St", "Van Nuys Blvd", "Laurel Canyon Blvd", "Sherman Way", "Avalon Blvd"]
GENERIC_STREETS = ["Main St", "Oak Ave", "1st St", "Elm St", "Park Ave", "School St", "Mission Blvd",
                   "El Camino Real", "Center St", "Washington Ave", "Lincoln Ave", "Pine St", "Church St",
                   "Union Ave", "Olive Ave", "Walnut St", "Grand Ave", "Sierra Way", "Valley Blvd", "Orchard Rd"]
LANG_EXTRA = ["ko", "zh", "tl", "vi", "hy", "ru", "fa", "ar", "km"]
